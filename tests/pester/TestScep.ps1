# The test SCEP server for enrolment tests and help examples: dot-source after Common.ps1.
# Start-TestScepServer makes a CA with micromdm scepserver 2.1.0 (Debian package scep) in a work folder and serves
# it on a free port with a challenge password; Stop-TestScepServer kills it. scepserver listens on every interface
# (it has no option for loopback only), races on serial numbers under concurrent enrolments (so enrol one at a
# time), never answers PENDING and issues digitalSignature + clientAuth certificates only.

function Get-TestScepSkipReason {
    # Null when scepserver can run here; otherwise why the SCEP tests skip.
    if (-not (Get-Command scepserver -ErrorAction Ignore)) { return 'micromdm scepserver is not installed (Debian: apt-get install scep)' }
    return $null
}

function Start-TestScepServer {
    param([Parameter(Mandatory)] [string] $WorkFolder, [string] $Challenge = 'pester-scep-challenge')
    New-Item -ItemType Directory -Force $WorkFolder | Out-Null
    $depot = Join-Path $WorkFolder 'depot'
    $init = @(& scepserver ca -init -depot $depot -keySize 2048 -organization 'SmimeTools SCEP Test' 2>&1 | ForEach-Object { "$_" })
    if ($LASTEXITCODE -ne 0) { throw "scepserver ca -init failed (exit code $LASTEXITCODE): $($init -join ' ')" }
    $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
    $listener.Start()
    $port = $listener.LocalEndpoint.Port
    $listener.Stop()
    # -allowrenew 0: renewals are accepted at any time, not only in the last 14 days of a certificate.
    $process = Start-Process -FilePath (Get-Command scepserver).Source -PassThru `
        -ArgumentList @('-depot', $depot, '-port', "$port", "-challenge=$Challenge", '-allowrenew', '0') `
        -RedirectStandardOutput (Join-Path $WorkFolder 'scepserver.out') -RedirectStandardError (Join-Path $WorkFolder 'scepserver.log')
    $deadline = [DateTime]::UtcNow.AddSeconds(15)
    while ($true) {
        try {
            $client = [System.Net.Sockets.TcpClient]::new()
            $client.Connect([System.Net.IPAddress]::Loopback, $port)
            $client.Dispose()
            break
        }
        catch {
            if ([DateTime]::UtcNow -gt $deadline -or $process.HasExited) {
                Stop-Process -Id $process.Id -Force -ErrorAction Ignore
                throw "scepserver did not listen on port $port within 15 s: $(Get-Content -Raw (Join-Path $WorkFolder 'scepserver.log') -ErrorAction Ignore)"
            }
            Start-Sleep -Milliseconds 50
        }
    }
    [pscustomobject]@{
        Url           = "http://127.0.0.1:$port/scep"
        ProcessId     = $process.Id
        Challenge     = ConvertTo-SecureString $Challenge -AsPlainText -Force
        CaCertificate = Join-Path $depot 'ca.pem'
        Log           = Join-Path $WorkFolder 'scepserver.log'
    }
}

function Stop-TestScepServer {
    param([object] $Server)
    if ($Server -and $Server.ProcessId) {
        Stop-Process -Id $Server.ProcessId -Force -ErrorAction Ignore
        Wait-Process -Id $Server.ProcessId -Timeout 10 -ErrorAction Ignore
    }
}
