# Benchmarks SmimeTools against openssl cms on the same files in the same run (build.ps1 Bench runs it).
# Reports wall time, the ratio openssl/ours (above 1 means we are faster), the peak working set of the
# whole pwsh process doing our work, and our rates as shares of the bounds `openssl speed` gives in the same run
# (SHA-256 for sign and verify, AES-256-CBC for encrypt and decrypt, the RSA private-key rate for small messages),
# with the rate of `cp` on each large file beside them. Nothing here is asserted: tests never time anything.
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $PkiTool,
    # Sizes of the attachment in each message; 1GB is the streaming target of the Protect/Unprotect issue.
    [long[]] $Size = @(1KB, 1MB, 1GB),
    [int] $SmallMessages = 1000,
    # How many of the small messages openssl is run on, once per message (a process each: its rate settles quickly).
    [int] $OpenSslMessages = 200
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

function Measure-Ours([string] $Script, [string] $Again) {
    # Runs in a fresh pwsh so the peak working set is that of one process doing one job. Our outputs are durable
    # (fsynced before they are renamed into place), so the disk is made clean first: what an earlier run left to be
    # written back would otherwise be written while we wait for our own.
    & sync
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
`$cpu = (`$process.TotalProcessorTime - `$cpu).TotalSeconds
`$again = [Diagnostics.Stopwatch]::StartNew()
$Again
`$again.Stop()
"{0} {1} {2} {3}" -f `$watch.Elapsed.TotalSeconds, `$peak, `$cpu, `$again.Elapsed.TotalSeconds
"@ | Set-Content $file
    $command = Get-PwshCommandLine
    $out = & $command[0] @($command | Select-Object -Skip 1) -NoProfile -NonInteractive -File $file
    if ($LASTEXITCODE -ne 0) { throw "Our run failed: $out" }
    $seconds, $peak, $cpu, $again = ($out | Select-Object -Last 1) -split ' '
    # CPU time of the whole process (all threads, user and kernel) while the job ran: against wall time, how many cores it kept busy.
    # AgainSeconds: the -Again script, run after it in the same process (compiled code and loaded types already there).
    [pscustomobject]@{ Seconds = [double]$seconds; PeakMiB = [math]::Round([long]$peak / 1MB); CpuSeconds = [double]$cpu; AgainSeconds = [double]$again }
}

function Measure-OpenSsl([string[]] $Arguments) {
    & sync
    $watch = [Diagnostics.Stopwatch]::StartNew()
    & /usr/bin/time -f '%M' -o (Join-Path $work 'rss.txt') openssl @Arguments 2>$null
    $watch.Stop()
    if ($LASTEXITCODE -ne 0) { throw "openssl $($Arguments -join ' ') failed" }
    # openssl leaves its output to the page cache; the sync after it is what making it durable, as ours is, would add.
    $syncWatch = [Diagnostics.Stopwatch]::StartNew()
    & sync
    $syncWatch.Stop()
    $rssKiB = [long](Get-Content (Join-Path $work 'rss.txt') | Select-Object -Last 1)
    [pscustomobject]@{ Seconds = $watch.Elapsed.TotalSeconds; SyncSeconds = $syncWatch.Elapsed.TotalSeconds; PeakMiB = [math]::Round($rssKiB / 1KB) }
}

function Measure-Bounds {
    # One run of each, two seconds: 64 KiB blocks for the ciphers and digests, as the large messages are streamed.
    $digest = & openssl speed -seconds 2 -bytes 65536 -evp sha256 2>$null | Select-String '^sha256\s'
    $cipher = & openssl speed -seconds 2 -bytes 65536 -evp aes-256-cbc 2>$null | Select-String '^aes-256-cbc\s'
    $rsa = & openssl speed -seconds 2 rsa2048 rsa3072 2>$null | Select-String '^rsa (2048|3072) bits'
    # "sha256  1803456.12k": thousands of bytes a second, for the one block size asked for.
    $rate = { param($line) [double](($line.Line -split '\s+' | Where-Object { $_ -match '^[\d.]+k$' } | Select-Object -Last 1) -replace 'k$') * 1000 / 1e6 }
    $signs = @{}
    foreach ($line in $rsa) { $fields = $line.Line -split '\s+'; $signs[[int]$fields[1]] = [double]$fields[5] }
    [pscustomobject]@{ Sha256MBps = [math]::Round((& $rate $digest)); Aes256CbcMBps = [math]::Round((& $rate $cipher)); Rsa2048SignPerSecond = $signs[2048]; Rsa3072SignPerSecond = $signs[3072] }
}

function Measure-Copy([string] $Path) {
    # cp, then sync, of the same file: what the disk and the page cache allow for a file this large, made durable.
    & sync
    $watch = [Diagnostics.Stopwatch]::StartNew()
    & cp $Path "$Path.cp"
    & sync
    $watch.Stop()
    Remove-Item "$Path.cp"
    $watch.Elapsed.TotalSeconds
}

Write-Host 'Measuring the bounds (openssl speed)...'
$bounds = Measure-Bounds
$rows = [Collections.Generic.List[object]]::new()
try {
    foreach ($bytes in $Size) {
        $label = if ($bytes -ge 1GB) { "$($bytes / 1GB) GiB" } elseif ($bytes -ge 1MB) { "$($bytes / 1MB) MiB" } else { "$($bytes / 1KB) KiB" }
        Write-Host "Preparing a $label message..."
        $in = Join-Path $work "m-$bytes.eml"
        New-Message $in $bytes
        $cases = @(
            @{ Op = 'sign (detached)'; Ours = "Protect-SmimeMessage -Path '$in' -SignWith `$alice -Destination '$in.ours.signed' -Force | Out-Null"
               OpenSsl = @('cms', '-sign', '-stream', '-in', $in, '-signer', $alice.certificatePath, '-inkey', $alice.privateKeyPath, '-out', "$in.ossl.signed")
               Bound = 'Sha256MBps'; Bytes = { (Get-Item $in).Length } }
            @{ Op = 'verify (detached)'; Ours = "Test-SmimeSignature -Path '$in.ossl.signed' -TrustedRoot '$($pki.root.certificatePath)' -Crl '$($pki.intermediate.crlDerPath)', '$($pki.root.crlDerPath)' -Quiet | Out-Null"
               OpenSsl = @('cms', '-verify', '-in', "$in.ossl.signed", '-CAfile', $pki.chainPemPath, '-out', "$in.ossl.verified")
               Bound = 'Sha256MBps'; Bytes = { (Get-Item "$in.ossl.signed").Length } }
            @{ Op = 'encrypt (AES-256-CBC)'; Ours = "Protect-SmimeMessage -Path '$in' -To '$($bob.certificatePath)' -Destination '$in.ours.enc' -Force | Out-Null"
               OpenSsl = @('cms', '-encrypt', '-stream', '-aes-256-cbc', '-in', $in, '-out', "$in.ossl.enc", $bob.certificatePath)
               Bound = 'Aes256CbcMBps'; Bytes = { (Get-Item $in).Length } }
            @{ Op = 'decrypt (AES-256-CBC)'; Ours = "Unprotect-SmimeMessage -Path '$in.ossl.enc' -Identity `$bob -Destination '$in.ours.dec' -Force | Out-Null"
               OpenSsl = @('cms', '-decrypt', '-in', "$in.ossl.enc", '-recip', $bob.certificatePath, '-inkey', $bob.privateKeyPath, '-out', "$in.ossl.dec")
               Bound = 'Aes256CbcMBps'; Bytes = { (Get-Item "$in.ossl.enc").Length } }
        )
        $copySeconds = Measure-Copy $in
        foreach ($case in $cases) {
            Write-Host "  $($case.Op)..."
            $theirs = Measure-OpenSsl $case.OpenSsl
            $ours = Measure-Ours $case.Ours
            # The rate of the input each side reads: the message for sign and encrypt, the signed or encrypted one otherwise.
            $mbps = (& $case.Bytes) / [math]::Max($ours.Seconds, 0.001) / 1e6
            $rows.Add([pscustomobject]@{
                Size = $label; Operation = $case.Op
                OursSeconds = [math]::Round($ours.Seconds, 3); OpenSslSeconds = [math]::Round($theirs.Seconds, 3)
                OpenSslSyncedSeconds = [math]::Round($theirs.Seconds + $theirs.SyncSeconds, 3)
                Ratio = [math]::Round($theirs.Seconds / [math]::Max($ours.Seconds, 0.001), 2)
                OursMBps = [math]::Round($mbps); ShareOfBound = '{0:P0}' -f ($mbps / $bounds.($case.Bound))
                CpMBps = [math]::Round((Get-Item $in).Length / [math]::Max($copySeconds, 0.001) / 1e6)
                OursPeakMiB = $ours.PeakMiB; OpenSslPeakMiB = $theirs.PeakMiB
            })
        }
        Get-ChildItem $work -Filter "m-$bytes.eml*" | Remove-Item
    }

    $smallRows = [Collections.Generic.List[object]]::new()
    $opensslRows = [Collections.Generic.List[object]]::new()
    if ($SmallMessages -gt 0) {
        Write-Host "Preparing $SmallMessages small messages..."
        $small = New-Item -ItemType Directory (Join-Path $work 'small')
        New-Message (Join-Path $small '0.eml') 2KB
        1..($SmallMessages - 1) | ForEach-Object { Copy-Item (Join-Path $small '0.eml') (Join-Path $small "$_.eml") }
        # -ThrottleLimit 2 only where the module has it, so the same script measures an older build too.
        $parallel = (& (Get-PwshCommandLine)[0] @(Get-PwshCommandLine | Select-Object -Skip 1) -NoProfile -NonInteractive -Command `
            "Import-Module '$ModulePath'; (Get-Command Protect-SmimeMessage).Parameters.ContainsKey('ThrottleLimit')") -eq 'True'
        # Sign uses the RSA-2048 key, decrypt the RSA-3072 one: their share of the private-key rate of one core.
        $rsaBound = @{ sign = $bounds.Rsa2048SignPerSecond; decrypt = $bounds.Rsa3072SignPerSecond }
        foreach ($throttle in @(1) + @(if ($parallel) { 2 })) {
            $limit = if ($throttle -gt 1) { "-ThrottleLimit $throttle" } else { '' }
            $out = { param($name) $folder = Join-Path $work "small-$name-$throttle"; New-Item -ItemType Directory $folder -Force | Out-Null; $folder }
            $signed = & $out 'signed'; $encrypted = & $out 'encrypted'; $decrypted = & $out 'decrypted'
            # Each pipeline runs twice in its process: the first is the figure (a fresh process, the JIT and all); the
            # second, over the same messages into another folder, shows what the same process does once warm.
            $smallCases = @(
                @{ Op = 'sign'; To = $signed; Ours = { param($to) "Get-ChildItem '$small' -Filter *.eml | Protect-SmimeMessage -SignWith `$alice -Destination '$to' $limit | Out-Null" } }
                @{ Op = 'encrypt'; To = $encrypted; Ours = { param($to) "Get-ChildItem '$small' -Filter *.eml | Protect-SmimeMessage -To `$bob -Destination '$to' $limit | Out-Null" } }
                @{ Op = 'decrypt'; To = $decrypted; Ours = { param($to) "Get-ChildItem '$encrypted' -Filter *.eml | Unprotect-SmimeMessage -Identity `$bob -Destination '$to' $limit | Out-Null" } }
                @{ Op = 'verify'; To = $null; Ours = { param($to) "Get-ChildItem '$signed' -Filter *.eml | Test-SmimeSignature -TrustedRoot '$($pki.root.certificatePath)' -Crl '$($pki.intermediate.crlDerPath)', '$($pki.root.crlDerPath)' -Quiet $limit | Out-Null" } }
            )
            foreach ($case in $smallCases) {
                Write-Host "  $($case.Op) $SmallMessages small messages, ThrottleLimit $throttle..."
                $againFolder = & $out "again-$($case.Op)"
                $ours = Measure-Ours (& $case.Ours $case.To) (& $case.Ours $againFolder)
                $rate = $SmallMessages / $ours.Seconds
                $smallRows.Add([pscustomobject]@{
                    Operation = $case.Op; ThrottleLimit = $throttle; Seconds = [math]::Round($ours.Seconds, 3)
                    MsPerMessage = [math]::Round(1000 * $ours.Seconds / $SmallMessages, 2); MessagesPerSecond = [math]::Round($rate)
                    PerCore = [math]::Round($rate / $throttle)
                    ShareOfRsa = if ($rsaBound.ContainsKey($case.Op)) { '{0:P0}' -f ($rate / $throttle / $rsaBound[$case.Op]) } else { '' }
                    AgainPerSecond = [math]::Round($SmallMessages / [math]::Max($ours.AgainSeconds, 0.001))
                    CpuSeconds = [math]::Round($ours.CpuSeconds, 3); CoresBusy = [math]::Round($ours.CpuSeconds / [math]::Max($ours.Seconds, 0.001), 2)
                    PeakMiB = $ours.PeakMiB; Load = if (Test-Path /proc/loadavg) { ((Get-Content /proc/loadavg) -split ' ')[0] }
                })
            }
        }

        # openssl cms once per message, on the first of the small messages and of our outputs.
        $count = [math]::Min($OpenSslMessages, $SmallMessages)
        $signedFolder = Join-Path $work 'small-signed-1'; $encryptedFolder = Join-Path $work 'small-encrypted-1'
        $opensslCases = @(
            @{ Op = 'sign'; Folder = $small; Arguments = { param($f) 'cms', '-sign', '-in', $f, '-signer', $alice.certificatePath, '-inkey', $alice.privateKeyPath, '-out', "$f.ossl" } }
            @{ Op = 'encrypt'; Folder = $small; Arguments = { param($f) 'cms', '-encrypt', '-aes-256-cbc', '-in', $f, '-out', "$f.ossl", $bob.certificatePath } }
            @{ Op = 'decrypt'; Folder = $encryptedFolder; Arguments = { param($f) 'cms', '-decrypt', '-in', $f, '-recip', $bob.certificatePath, '-inkey', $bob.privateKeyPath, '-out', "$f.ossl" } }
            @{ Op = 'verify'; Folder = $signedFolder; Arguments = { param($f) 'cms', '-verify', '-in', $f, '-CAfile', $pki.chainPemPath, '-out', "$f.ossl" } }
        )
        foreach ($case in $opensslCases) {
            Write-Host "  openssl $($case.Op), $count messages, one process each..."
            $files = Get-ChildItem $case.Folder -Filter *.eml | Select-Object -First $count
            $watch = [Diagnostics.Stopwatch]::StartNew()
            foreach ($file in $files) {
                $arguments = & $case.Arguments $file.FullName
                & openssl @arguments 2>$null
                if ($LASTEXITCODE -ne 0) { throw "openssl $($arguments -join ' ') failed" }
            }
            $watch.Stop()
            $opensslRows.Add([pscustomobject]@{ Operation = $case.Op; Messages = $count; MessagesPerSecond = [math]::Round($count / $watch.Elapsed.TotalSeconds) })
        }
    }

    Write-Host ('Bounds of this run (openssl speed, one core): SHA-256 {0} MB/s, AES-256-CBC {1} MB/s, RSA-2048 {2} sign/s, RSA-3072 {3} sign/s' -f `
        $bounds.Sha256MBps, $bounds.Aes256CbcMBps, $bounds.Rsa2048SignPerSecond, $bounds.Rsa3072SignPerSecond)
    if ($rows.Count -gt 0) { $rows | Format-Table -Property * -AutoSize | Out-String -Width 250 | Write-Host }
    if ($smallRows.Count -gt 0) {
        $smallRows | Format-Table -Property * -AutoSize | Out-String -Width 250 | Write-Host
        Write-Host 'openssl cms, one process per message:'
        $opensslRows | Format-Table -Property * -AutoSize | Out-String -Width 250 | Write-Host
    }
}
finally {
    Remove-Item $work -Recurse -Force -ErrorAction SilentlyContinue
}
