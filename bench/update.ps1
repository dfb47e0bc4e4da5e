# Benchmarks Update-SmimeEncryption against the bounds the machine sets in the same run (build.ps1 Bench runs it):
# - many small messages, -Mode AddRecipient: messages per second against the RSA-2048 private-key rate of
#   `openssl speed` (one unwrap per message is the work that cannot be avoided), on one worker and on every core;
# - one large message, -Mode AddRecipient: MB/s against `cp` of the same file in the same folder (the rewrite copies
#   the encrypted content, so the disk is the bound);
# - the same message, -Mode Reencrypt: MB/s against the AES-256-CBC rate of `openssl speed` (decrypt plus encrypt).
# Peak memory is the working set of the whole pwsh doing the job. Nothing here is asserted.
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $PkiTool,
    [long] $LargeSize = 1GB,
    [int] $SmallMessages = 500
)
$ErrorActionPreference = 'Stop'
$ModulePath = (Resolve-Path $ModulePath).Path
$PkiTool = (Resolve-Path $PkiTool).Path
if (-not (Get-Command openssl -ErrorAction Ignore)) { throw 'The benchmarks compare against openssl, which is not installed.' }

$work = Join-Path ([IO.Path]::GetTempPath()) ('smimetools-bench-update-' + [guid]::NewGuid().ToString('n').Substring(0, 8))
New-Item -ItemType Directory $work | Out-Null
$manifestPath = (& dotnet $PkiTool (Join-Path $work 'pki') | Select-Object -Last 1).Trim()
$pki = Get-Content $manifestPath -Raw | ConvertFrom-Json
$alice = $pki.users | Where-Object name -eq 'rsa2048'
$bob = $pki.users | Where-Object name -eq 'rsa3072'

function Get-PwshCommandLine {
    $process = [Environment]::ProcessPath
    if ([IO.Path]::GetFileNameWithoutExtension($process) -eq 'dotnet') { return @($process, (Join-Path $PSHOME 'pwsh.dll')) }
    @($process)
}

function Measure-Ours([string] $Script) {
    # A fresh pwsh for each job, so the peak working set is that of one process doing one job; the time is the job's alone.
    $file = Join-Path $work ('run-' + [guid]::NewGuid().ToString('n') + '.ps1')
    @"
`$ErrorActionPreference = 'Stop'
Import-Module '$ModulePath'
`$password = ConvertTo-SecureString '$($pki.password)' -AsPlainText -Force
`$alice = Get-SmimeCertificate -Path '$($alice.pkcs12Path)' -Password `$password | Where-Object HasPrivateKey
`$process = [Diagnostics.Process]::GetCurrentProcess()
`$cpu = `$process.TotalProcessorTime
`$watch = [Diagnostics.Stopwatch]::StartNew()
`$summary = $Script
`$watch.Stop()
`$process.Refresh()
if (`$summary.Failed -ne 0) { throw "`$(`$summary.Failed) messages failed" }
"{0} {1} {2} {3}" -f `$watch.Elapsed.TotalSeconds, `$process.PeakWorkingSet64, `$summary.Updated, (`$process.TotalProcessorTime - `$cpu).TotalSeconds
"@ | Set-Content $file
    $command = Get-PwshCommandLine
    $out = & $command[0] @($command | Select-Object -Skip 1) -NoProfile -NonInteractive -File $file
    if ($LASTEXITCODE -ne 0) { throw "Our run failed: $out" }
    $seconds, $peak, $updated, $cpu = ($out | Select-Object -Last 1) -split ' '
    # CPU time is the whole process's, all threads (the commit of one batch overlaps the work on the next).
    [pscustomobject]@{ Seconds = [double]$seconds; PeakMiB = [math]::Round([long]$peak / 1MB); Updated = [int]$updated; CpuSeconds = [double]$cpu }
}

function Get-OpenSslRate([string[]] $Arguments, [scriptblock] $Parse) {
    $text = & openssl speed @Arguments 2>$null
    if ($LASTEXITCODE -ne 0) { throw "openssl speed $($Arguments -join ' ') failed" }
    & $Parse $text
}

function New-LargeMessage([string] $Path, [long] $AttachmentBytes) {
    # A base64 attachment of random bytes, written in chunks so memory stays flat here too.
    $writer = [IO.StreamWriter]::new([IO.File]::Create($Path), [Text.Encoding]::ASCII)
    $writer.NewLine = "`r`n"
    'From: Alice <alice@example.com>', 'To: Bob <bob@example.com>', 'Subject: archive', 'MIME-Version: 1.0',
    'Content-Type: application/octet-stream; name="data.bin"', 'Content-Transfer-Encoding: base64', '' | ForEach-Object { $writer.WriteLine($_) }
    $random = [Random]::new(42)
    $chunk = [byte[]]::new(57 * 1024)
    for ($left = $AttachmentBytes; $left -gt 0; $left -= $chunk.Length) {
        $random.NextBytes($chunk)
        $base64 = [Convert]::ToBase64String($chunk, 0, [int][Math]::Min($chunk.Length, $left))
        for ($i = 0; $i -lt $base64.Length; $i += 76) { $writer.WriteLine($base64.Substring($i, [Math]::Min(76, $base64.Length - $i))) }
    }
    $writer.Dispose()
}

try {
    Write-Host 'Bounds from openssl speed (one core)...'
    # "rsa 2048 bits 0.000652s 0.000019s   1533.7  52631.6": the private-key (sign) rate is the first per-second figure.
    $rsaSign = Get-OpenSslRate @('-seconds', '3', 'rsa2048') { param($t) [double](($t | Where-Object { $_ -match '^rsa\s+2048 bits' }) -split '\s+')[5] }
    # The last column is the rate on 16 KiB blocks, in thousands of bytes per second ("1234567.89k").
    $aesRate = Get-OpenSslRate @('-seconds', '3', '-evp', 'aes-256-cbc') { param($t) [double](((($t | Where-Object { $_ -match '^AES-256-CBC' }) -split '\s+')[-1]) -replace 'k$', '') * 1000 }
    $cores = [Environment]::ProcessorCount

    Write-Host "Encrypting $SmallMessages small messages to $($alice.name)..."
    $plain = Join-Path $work 'plain.eml'
    Set-Content -Path $plain -Value ("From: Alice <alice@example.com>`r`nTo: Bob <bob@example.com>`r`nSubject: note`r`nMIME-Version: 1.0`r`nContent-Type: text/plain`r`n`r`n" + ('Archived text. ' * 180)) -NoNewline
    $rows = [Collections.Generic.List[object]]::new()
    foreach ($workers in 1, $cores) {
        $folder = New-Item -ItemType Directory (Join-Path $work "small-$workers")
        $command = Get-PwshCommandLine
        & $command[0] @($command | Select-Object -Skip 1) -NoProfile -NonInteractive -Command @"
Import-Module '$ModulePath'
`$message = Protect-SmimeMessage -Path '$plain' -To '$($alice.certificatePath)'
1..$SmallMessages | ForEach-Object { [IO.File]::WriteAllBytes((Join-Path '$folder' "`$_.eml"), `$message.Content) }
"@
        if ($LASTEXITCODE -ne 0) { throw 'Making the small messages failed.' }
        $ours = Measure-Ours "Update-SmimeEncryption -Path '$folder' -To '$($bob.certificatePath)' -Identity `$alice -ThrottleLimit $workers"
        $rate = $ours.Updated / $ours.Seconds
        $rows.Add([pscustomobject]@{
            Case = "$SmallMessages small, AddRecipient, $workers worker(s)"; Ours = '{0:N0} msg/s' -f $rate
            Bound = '{0:N0} RSA-2048 private-key op/s per core' -f $rsaSign; Share = '{0:P0} per core' -f ($rate / $workers / $rsaSign); PeakMiB = $ours.PeakMiB
            CpuPerMessage = '{0:N2} ms' -f (1000 * $ours.CpuSeconds / $ours.Updated)
        })
    }

    $label = if ($LargeSize -ge 1GB) { "$($LargeSize / 1GB) GiB" } else { "$($LargeSize / 1MB) MiB" }
    Write-Host "Preparing a $label encrypted message..."
    $large = Join-Path $work 'large'
    New-Item -ItemType Directory $large | Out-Null
    New-LargeMessage (Join-Path $work 'large.eml') $LargeSize
    & openssl cms -encrypt -aes-256-cbc -stream -in (Join-Path $work 'large.eml') -out (Join-Path $large 'm.eml') $alice.certificatePath
    if ($LASTEXITCODE -ne 0) { throw 'openssl could not encrypt the large message.' }
    Remove-Item (Join-Path $work 'large.eml')
    $bytes = (Get-Item (Join-Path $large 'm.eml')).Length

    $watch = [Diagnostics.Stopwatch]::StartNew()
    & cp (Join-Path $large 'm.eml') (Join-Path $work 'copy.eml'); & sync
    $watch.Stop()
    $cpRate = $bytes / $watch.Elapsed.TotalSeconds
    Remove-Item (Join-Path $work 'copy.eml')
    $ours = Measure-Ours "Update-SmimeEncryption -Path '$large' -To '$($bob.certificatePath)' -Identity `$alice"
    $rows.Add([pscustomobject]@{
        Case = "$label, AddRecipient"; Ours = ('{0:N0} MB/s ({1:N1} s)' -f ($bytes / $ours.Seconds / 1e6), $ours.Seconds)
        Bound = '{0:N0} MB/s cp + sync' -f ($cpRate / 1e6); Share = '{0:P0}' -f ($bytes / $ours.Seconds / $cpRate); PeakMiB = $ours.PeakMiB
        CpuPerMessage = '{0:N2} s' -f $ours.CpuSeconds
    })
    $ours = Measure-Ours "Update-SmimeEncryption -Path '$large' -Mode Reencrypt -EncryptionAlgorithm Aes256Cbc -To '$($bob.certificatePath)' -Identity `$alice -RemoveRecipient `$alice"
    $rows.Add([pscustomobject]@{
        Case = "$label, Reencrypt (AES-256-CBC)"; Ours = ('{0:N0} MB/s ({1:N1} s)' -f ($bytes / $ours.Seconds / 1e6), $ours.Seconds)
        Bound = '{0:N0} MB/s openssl speed aes-256-cbc' -f ($aesRate / 1e6); Share = '{0:P0}' -f ($bytes / $ours.Seconds / $aesRate); PeakMiB = $ours.PeakMiB
        CpuPerMessage = '{0:N2} s' -f $ours.CpuSeconds
    })
    $rows | Format-Table -AutoSize | Out-String -Width 200 | Write-Host
}
finally {
    Remove-Item $work -Recurse -Force -ErrorAction SilentlyContinue
}
