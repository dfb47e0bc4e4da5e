# Benchmarks SmimeTools against openssl cms on the same files in the same run (build.ps1 Bench runs it).
# Reports wall time, the ratio openssl/ours (above 1 means we are faster) and the peak working set of the
# whole pwsh process doing our work. Nothing here is asserted: tests never time anything.
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $PkiTool,
    # Sizes of the attachment in each message; 1GB is the streaming target of the Protect/Unprotect issue.
    [long[]] $Size = @(1KB, 1MB, 1GB),
    [int] $SmallMessages = 1000
)
$ErrorActionPreference = 'Stop'
$ModulePath = (Resolve-Path $ModulePath).Path
$PkiTool = (Resolve-Path $PkiTool).Path
if (-not (Get-Command openssl -ErrorAction Ignore)) { throw 'The benchmarks compare against openssl, which is not installed.' }

$work = Join-Path ([IO.Path]::GetTempPath()) ('smimetools-bench-' + [guid]::NewGuid().ToString('n').Substring(0, 8))
New-Item -ItemType Directory $work | Out-Null
$manifestPath = (& dotnet $PkiTool (Join-Path $work 'pki') | Select-Object -Last 1).Trim()
$pki = Get-Content $manifestPath -Raw | ConvertFrom-Json
$alice = $pki.users | Where-Object name -eq 'rsa2048'
$bob = $pki.users | Where-Object name -eq 'rsa3072'

function New-Message([string] $Path, [long] $AttachmentBytes) {
    # A text part and a base64 attachment of random bytes, written in chunks so memory stays flat here too.
    $stream = [IO.File]::Create($Path)
    $writer = [IO.StreamWriter]::new($stream, [Text.Encoding]::ASCII)
    $writer.NewLine = "`r`n"
    $writer.WriteLine('From: Alice <alice@example.com>'); $writer.WriteLine('To: Bob <bob@example.com>')
    $writer.WriteLine('Subject: benchmark'); $writer.WriteLine('MIME-Version: 1.0')
    $writer.WriteLine('Content-Type: multipart/mixed; boundary="b"'); $writer.WriteLine('')
    $writer.WriteLine('--b'); $writer.WriteLine('Content-Type: text/plain'); $writer.WriteLine(''); $writer.WriteLine('Figures attached.')
    $writer.WriteLine('--b'); $writer.WriteLine('Content-Type: application/octet-stream; name="data.bin"')
    $writer.WriteLine('Content-Transfer-Encoding: base64'); $writer.WriteLine('')
    $random = [Random]::new(42)
    $chunk = [byte[]]::new(57 * 1024)
    $left = $AttachmentBytes
    while ($left -gt 0) {
        $take = [int][Math]::Min($chunk.Length, $left)
        $random.NextBytes($chunk)
        $base64 = [Convert]::ToBase64String($chunk, 0, $take)
        for ($i = 0; $i -lt $base64.Length; $i += 76) { $writer.WriteLine($base64.Substring($i, [Math]::Min(76, $base64.Length - $i))) }
        $left -= $take
    }
    $writer.WriteLine('--b--')
    $writer.Dispose()
}

function Get-PwshCommandLine {
    $process = [Environment]::ProcessPath
    if ([IO.Path]::GetFileNameWithoutExtension($process) -eq 'dotnet') { return @($process, (Join-Path $PSHOME 'pwsh.dll')) }
    @($process)
}

function Measure-Ours([string] $Script) {
    # Runs in a fresh pwsh so the peak working set is that of one process doing one job.
    $file = Join-Path $work ('run-' + [guid]::NewGuid().ToString('n') + '.ps1')
    @"
`$ErrorActionPreference = 'Stop'
Import-Module '$ModulePath'
`$password = ConvertTo-SecureString '$($pki.password)' -AsPlainText -Force
`$alice = Get-SmimeCertificate -Path '$($alice.pkcs12Path)' -Password `$password
`$bob = Get-SmimeCertificate -Path '$($bob.pkcs12Path)' -Password `$password
`$process = [Diagnostics.Process]::GetCurrentProcess()
`$cpu = `$process.TotalProcessorTime
`$watch = [Diagnostics.Stopwatch]::StartNew()
$Script
`$watch.Stop()
`$process.Refresh()
`$peak = `$process.PeakWorkingSet64
"{0} {1} {2}" -f `$watch.Elapsed.TotalSeconds, `$peak, (`$process.TotalProcessorTime - `$cpu).TotalSeconds
"@ | Set-Content $file
    $command = Get-PwshCommandLine
    $out = & $command[0] @($command | Select-Object -Skip 1) -NoProfile -NonInteractive -File $file
    if ($LASTEXITCODE -ne 0) { throw "Our run failed: $out" }
    $seconds, $peak, $cpu = ($out | Select-Object -Last 1) -split ' '
    # CPU time of the whole process (all threads, user and kernel) while the job ran: against wall time, how many cores it kept busy.
    [pscustomobject]@{ Seconds = [double]$seconds; PeakMiB = [math]::Round([long]$peak / 1MB); CpuSeconds = [double]$cpu }
}

function Measure-OpenSsl([string[]] $Arguments) {
    $watch = [Diagnostics.Stopwatch]::StartNew()
    & /usr/bin/time -f '%M' -o (Join-Path $work 'rss.txt') openssl @Arguments 2>$null
    $watch.Stop()
    if ($LASTEXITCODE -ne 0) { throw "openssl $($Arguments -join ' ') failed" }
    $rssKiB = [long](Get-Content (Join-Path $work 'rss.txt') | Select-Object -Last 1)
    [pscustomobject]@{ Seconds = $watch.Elapsed.TotalSeconds; PeakMiB = [math]::Round($rssKiB / 1KB) }
}

$rows = [Collections.Generic.List[object]]::new()
try {
    foreach ($bytes in $Size) {
        $label = if ($bytes -ge 1GB) { "$($bytes / 1GB) GiB" } elseif ($bytes -ge 1MB) { "$($bytes / 1MB) MiB" } else { "$($bytes / 1KB) KiB" }
        Write-Host "Preparing a $label message..."
        $in = Join-Path $work "m-$bytes.eml"
        New-Message $in $bytes
        $cases = @(
            @{ Op = 'sign (detached)'; Ours = "Protect-SmimeMessage -Path '$in' -SignWith `$alice -Destination '$in.ours.signed' -Force | Out-Null"
               OpenSsl = @('cms', '-sign', '-in', $in, '-signer', $alice.certificatePath, '-inkey', $alice.privateKeyPath, '-out', "$in.ossl.signed") }
            @{ Op = 'verify (detached)'; Ours = "Test-SmimeSignature -Path '$in.ossl.signed' -TrustedRoot '$($pki.root.certificatePath)' -Crl '$($pki.intermediate.crlDerPath)', '$($pki.root.crlDerPath)' -Quiet | Out-Null"
               OpenSsl = @('cms', '-verify', '-in', "$in.ossl.signed", '-CAfile', $pki.chainPemPath, '-out', "$in.ossl.verified") }
            @{ Op = 'encrypt (AES-256-CBC)'; Ours = "Protect-SmimeMessage -Path '$in' -To '$($bob.certificatePath)' -Destination '$in.ours.enc' -Force | Out-Null"
               OpenSsl = @('cms', '-encrypt', '-aes-256-cbc', '-in', $in, '-out', "$in.ossl.enc", $bob.certificatePath) }
            @{ Op = 'decrypt (AES-256-CBC)'; Ours = "Unprotect-SmimeMessage -Path '$in.ossl.enc' -Identity `$bob -Destination '$in.ours.dec' -Force | Out-Null"
               OpenSsl = @('cms', '-decrypt', '-in', "$in.ossl.enc", '-recip', $bob.certificatePath, '-inkey', $bob.privateKeyPath, '-out', "$in.ossl.dec") }
        )
        foreach ($case in $cases) {
            Write-Host "  $($case.Op)..."
            $theirs = Measure-OpenSsl $case.OpenSsl
            $ours = Measure-Ours $case.Ours
            $rows.Add([pscustomobject]@{
                Size = $label; Operation = $case.Op
                OursSeconds = [math]::Round($ours.Seconds, 3); OpenSslSeconds = [math]::Round($theirs.Seconds, 3)
                Ratio = [math]::Round($theirs.Seconds / [math]::Max($ours.Seconds, 0.001), 2)
                OursPeakMiB = $ours.PeakMiB; OpenSslPeakMiB = $theirs.PeakMiB
            })
        }
        Get-ChildItem $work -Filter "m-$bytes.eml*" | Remove-Item
    }

    Write-Host "Preparing $SmallMessages small messages..."
    $small = New-Item -ItemType Directory (Join-Path $work 'small')
    New-Message (Join-Path $small '0.eml') 2KB
    1..($SmallMessages - 1) | ForEach-Object { Copy-Item (Join-Path $small '0.eml') (Join-Path $small "$_.eml") }
    # -ThrottleLimit 2 only where the module has it, so the same script measures an older build too.
    $parallel = (& (Get-PwshCommandLine)[0] @(Get-PwshCommandLine | Select-Object -Skip 1) -NoProfile -NonInteractive -Command `
        "Import-Module '$ModulePath'; (Get-Command Protect-SmimeMessage).Parameters.ContainsKey('ThrottleLimit')") -eq 'True'
    $smallRows = [Collections.Generic.List[object]]::new()
    foreach ($throttle in @(1) + @(if ($parallel) { 2 })) {
        $limit = if ($throttle -gt 1) { "-ThrottleLimit $throttle" } else { '' }
        $out = { param($name) $folder = Join-Path $work "small-$name-$throttle"; New-Item -ItemType Directory $folder -Force | Out-Null; $folder }
        $signed = & $out 'signed'; $encrypted = & $out 'encrypted'; $decrypted = & $out 'decrypted'
        $smallCases = @(
            @{ Op = 'sign'; Ours = "Get-ChildItem '$small' -Filter *.eml | Protect-SmimeMessage -SignWith `$alice -Destination '$signed' $limit | Out-Null" }
            @{ Op = 'encrypt'; Ours = "Get-ChildItem '$small' -Filter *.eml | Protect-SmimeMessage -To `$bob -Destination '$encrypted' $limit | Out-Null" }
            @{ Op = 'decrypt'; Ours = "Get-ChildItem '$encrypted' -Filter *.eml | Unprotect-SmimeMessage -Identity `$bob -Destination '$decrypted' $limit | Out-Null" }
            @{ Op = 'verify'; Ours = "Get-ChildItem '$signed' -Filter *.eml | Test-SmimeSignature -TrustedRoot '$($pki.root.certificatePath)' -Crl '$($pki.intermediate.crlDerPath)', '$($pki.root.crlDerPath)' -Quiet $limit | Out-Null" }
        )
        foreach ($case in $smallCases) {
            Write-Host "  $($case.Op) $SmallMessages small messages, ThrottleLimit $throttle..."
            $ours = Measure-Ours $case.Ours
            $smallRows.Add([pscustomobject]@{
                Operation = $case.Op; ThrottleLimit = $throttle; Seconds = [math]::Round($ours.Seconds, 3)
                MsPerMessage = [math]::Round(1000 * $ours.Seconds / $SmallMessages, 2); MessagesPerSecond = [math]::Round($SmallMessages / $ours.Seconds)
                CpuSeconds = [math]::Round($ours.CpuSeconds, 3); CoresBusy = [math]::Round($ours.CpuSeconds / [math]::Max($ours.Seconds, 0.001), 2)
                PeakMiB = $ours.PeakMiB; Load = if (Test-Path /proc/loadavg) { ((Get-Content /proc/loadavg) -split ' ')[0] }
            })
        }
    }

    $watch = [Diagnostics.Stopwatch]::StartNew()
    foreach ($file in Get-ChildItem $small -Filter *.eml) {
        & openssl cms -sign -in $file.FullName -signer $alice.certificatePath -inkey $alice.privateKeyPath -out "$($file.FullName).p7m" 2>$null
    }
    $watch.Stop()
    $rows | Format-Table -AutoSize | Out-String -Width 200 | Write-Host
    $smallRows | Format-Table -AutoSize | Out-String -Width 200 | Write-Host
    '{0} small messages: openssl signs {1:N0} msg/s (one process per message)' -f $SmallMessages, ($SmallMessages / $watch.Elapsed.TotalSeconds) | Write-Host
}
finally {
    Remove-Item $work -Recurse -Force -ErrorAction SilentlyContinue
}
