# The test OpenLDAP slapd for directory tests and help examples: dot-source after Common.ps1.
# Start-TestDirectory runs the test PKI tool's --directory mode (a temporary slapd.conf and database filled from the
# test PKI, on two free loopback ports, as the current user) and returns its description; Stop-TestDirectory kills it.

function Get-TestDirectorySkipReason {
    # Null when slapd can run here; otherwise why the directory tests skip.
    if ($IsWindows) { return 'the test directory runs OpenLDAP slapd, which the tests start on Linux and macOS only' }
    $found = @('slapd', 'slapadd') | Where-Object { (Get-Command $_ -ErrorAction Ignore) -or (Test-Path "/usr/sbin/$_") }
    if ($found.Count -lt 2) { return 'OpenLDAP slapd is not installed (Debian: apt-get install slapd ldap-utils)' }
    $tool = Join-Path $RepoRoot 'out/testpki/SmimeTools.TestPki.dll'
    if (-not (Test-Path $tool)) { return "the test PKI tool is not built ($tool; run ./build.ps1 Test)" }
    return $null
}

function Start-TestDirectory {
    param([Parameter(Mandatory)] [string] $PkiFolder, [Parameter(Mandatory)] [string] $WorkFolder)
    $tool = Join-Path $RepoRoot 'out/testpki/SmimeTools.TestPki.dll'
    $lines = @(& dotnet $tool --directory $PkiFolder $WorkFolder 2>&1 | ForEach-Object { "$_" })
    if ($LASTEXITCODE -ne 0) { throw "The test directory did not start (exit code $LASTEXITCODE): $($lines -join ' ')" }
    $directory = $lines[-1] | ConvertFrom-Json
    $password = ConvertTo-SecureString $directory.adminPassword -AsPlainText -Force
    $directory | Add-Member -NotePropertyName AdminCredential -NotePropertyValue ([pscredential]::new($directory.adminDn, $password)) -PassThru
}

function Stop-TestDirectory {
    param([object] $Directory)
    if ($Directory -and $Directory.processId) {
        Stop-Process -Id $Directory.processId -Force -ErrorAction Ignore
        Wait-Process -Id $Directory.processId -Timeout 10 -ErrorAction Ignore
    }
}
