# Shared by every Pester test file: dot-source it in BeforeAll (and in BeforeDiscovery when -Skip needs it).

$script:RepoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
$script:ModulePath = if ($env:SMIMETOOLS_MODULE) { $env:SMIMETOOLS_MODULE } else { Join-Path $RepoRoot 'out/SmimeTools' }
$script:ToolsPath = if ($env:SMIMETOOLS_TOOLS) { $env:SMIMETOOLS_TOOLS } else { Join-Path $RepoRoot 'out/tools' }
# The build's own helpers: the child PowerShell command line, environment for a child, a throwaway user profile.
. (Join-Path $RepoRoot 'build/BuildSupport.ps1')

function Get-TestPki {
    # The test PKI made by build.ps1 for this run, or one made now in a temp folder when a test file runs alone.
    if (-not $env:SMIMETOOLS_TEST_PKI -or -not (Test-Path $env:SMIMETOOLS_TEST_PKI)) {
        $tool = Join-Path $RepoRoot 'out/testpki/SmimeTools.TestPki.dll'
        if (-not (Test-Path $tool)) {
            throw "No test PKI: run 'dotnet pwsh ./build.ps1 Test', or build tests/SmimeTools.TestPki into out/testpki."
        }
        $folder = Join-Path ([IO.Path]::GetTempPath()) ('smimetools-pki-' + [guid]::NewGuid().ToString('n').Substring(0, 8))
        $env:SMIMETOOLS_TEST_PKI = (& dotnet $tool $folder | Select-Object -Last 1).Trim()
    }
    $pki = Get-Content $env:SMIMETOOLS_TEST_PKI -Raw | ConvertFrom-Json
    # Users by name ($pki.users.rsa2048), as tests refer to them; the manifest keeps them in a list.
    $byName = [ordered]@{}
    foreach ($user in $pki.users) { $byName[$user.name] = $user }
    $pki.users = [pscustomobject] $byName
    $pki | Add-Member -Force -NotePropertyName Folder -NotePropertyValue (Split-Path $env:SMIMETOOLS_TEST_PKI -Parent) -PassThru |
        Add-Member -NotePropertyName SecurePassword -NotePropertyValue (ConvertTo-SecureString $pki.password -AsPlainText -Force) -PassThru
}

function Invoke-ChildPwsh {
    # Runs a script in a new PowerShell process (a clean default load context) and returns its JSON output as objects.
    # -Environment sets variables for the child only, for example @{ HOME = $TestDrive } so that .NET's CurrentUser
    # certificate stores (~/.dotnet/corefx/cryptography/x509stores on Linux) are the test's, never the user's.
    param([Parameter(Mandatory)] [string] $Script, [hashtable] $Arguments = @{}, [hashtable] $Environment = @{})
    $file = Join-Path ([IO.Path]::GetTempPath()) ('smimetools-child-' + [guid]::NewGuid().ToString('n') + '.ps1')
    $prelude = ($Arguments.GetEnumerator() | ForEach-Object { "`$$($_.Key) = '$($_.Value -replace "'", "''")'" }) -join "`n"
    Set-Content -Path $file -Value ($prelude + "`n" + $Script) -Encoding utf8
    try {
        $command = Get-PwshCommand
        $output = Invoke-WithEnvironment $Environment { & $command[0] @($command | Select-Object -Skip 1) -NoProfile -NonInteractive -File $file 2>&1 }
        $text = ($output | ForEach-Object { "$_" }) -join "`n"
        if ($LASTEXITCODE -ne 0) { throw "The child PowerShell failed (exit code $LASTEXITCODE):`n$text" }
        $json = $text.Substring([Math]::Max(0, $text.IndexOf('{')))
        $json | ConvertFrom-Json
    }
    finally {
        Remove-Item $file -ErrorAction Ignore
    }
}
