# Functions build.ps1 uses; dot-sourced, not a module of its own.

function Write-Step([string] $Message) {
    Write-Host "==> $Message" -ForegroundColor Cyan
}

function Invoke-Native {
    # Runs a program (first argument) with the remaining arguments untouched, and stops the build when it fails.
    # $args is used rather than parameters so that program switches such as -c or -o never bind to PowerShell's.
    $command, $arguments = $args
    & $command @arguments | Out-Host
    if ($LASTEXITCODE -ne 0) { throw "'$command $($arguments -join ' ')' failed with exit code $LASTEXITCODE." }
}

function Invoke-NativeOutput {
    # As Invoke-Native, but returns the program's standard output.
    $command, $arguments = $args
    $output = & $command @arguments
    if ($LASTEXITCODE -ne 0) { throw "'$command $($arguments -join ' ')' failed with exit code $LASTEXITCODE." }
    $output
}

function Get-PwshCommand {
    # The PowerShell running this script, as a command line for a child process: under 'dotnet pwsh' that is
    # the dotnet host and pwsh.dll, elsewhere the pwsh executable itself.
    $process = [Environment]::ProcessPath
    if ([IO.Path]::GetFileNameWithoutExtension($process) -eq 'dotnet') {
        return @($process, (Join-Path $PSHOME 'pwsh.dll'))
    }
    return @($process)
}

function Read-TrxCount([string] $Path) {
    if (-not (Test-Path $Path)) {
        Write-Warning "No xunit results at ${Path}: the test project did not build or run."
        return [pscustomobject]@{ Passed = 0; Failed = 1; Skipped = 0 }
    }
    [xml] $trx = Get-Content $Path -Raw
    $counters = $trx.TestRun.ResultSummary.Counters
    [pscustomobject]@{
        Passed  = [int] $counters.passed
        Failed  = [int] $counters.failed + [int] $counters.error + [int] $counters.timeout + [int] $counters.aborted
        # The trx counters leave skipped xunit tests out; their results say NotExecuted.
        Skipped = [Math]::Max([int] $counters.notExecuted, @($trx.TestRun.Results.UnitTestResult | Where-Object outcome -eq 'NotExecuted').Count)
    }
}

function Install-SystemPackage {
    # The interop and service tests use real peers. Install them where we can; elsewhere those tests skip visibly.
    $wanted = [ordered]@{
        openssl = 'openssl'
        gpgsm = 'gpgsm'
        certutil = 'libnss3-tools'
        slapd = 'slapd'
        ldapsearch = 'ldap-utils'
        'softhsm2-util' = 'softhsm2'
        dotlockfile = 'liblockfile-bin'
        scepserver = 'scep'
        # build.ps1 Fuzz only.
        'afl-fuzz' = 'afl++'
    }
    $missing = @($wanted.Keys | Where-Object { -not (Get-Command $_ -ErrorAction Ignore) -and -not (Test-Path "/usr/sbin/$_") } | ForEach-Object { $wanted[$_] })
    if ($missing.Count -eq 0) { return }
    $isRoot = $IsLinux -and ((& id -u) -eq '0')
    if (-not ($IsLinux -and $isRoot -and (Get-Command apt-get -ErrorAction Ignore))) {
        Write-Warning "Missing system packages: $($missing -join ', '). Tests that need them will be skipped. Install them (for example with apt-get as root) to run those tests."
        return
    }
    Write-Step "Installing system packages: $($missing -join ', ')"
    $env:DEBIAN_FRONTEND = 'noninteractive'
    & apt-get update -qq | Out-Host
    & apt-get install -y -qq --no-install-recommends @missing | Out-Host
    if ($LASTEXITCODE -ne 0) {
        Write-Warning "apt-get could not install $($missing -join ', '); tests that need them will be skipped."
    }
}

function New-ThrowawayUserProfile([string] $Folder) {
    # Environment for a child PowerShell whose per-user folders (PSResourceGet's repository list, installed modules,
    # caches) all lie under $Folder, so nothing it registers or installs reaches the user's own configuration.
    $dataHome = Join-Path $Folder '.local/share'
    $environment = @{
        HOME            = $Folder
        USERPROFILE     = $Folder
        XDG_CONFIG_HOME = Join-Path $Folder '.config'
        XDG_DATA_HOME   = $dataHome
        XDG_CACHE_HOME  = Join-Path $Folder '.cache'
        LOCALAPPDATA    = Join-Path $Folder 'AppData/Local'
        APPDATA         = Join-Path $Folder 'AppData/Roaming'
        PSModulePath    = Join-Path $dataHome 'powershell/Modules'
    }
    # .NET reports a per-user folder that does not exist as '', and PSResourceGet then writes into the working directory.
    foreach ($path in @($environment.Values)) { New-Item -ItemType Directory -Force $path | Out-Null }
    $environment
}

function Invoke-WithEnvironment([System.Collections.IDictionary] $Environment, [scriptblock] $Action) {
    # Runs $Action with environment variables set for it (and the processes it starts), then puts them back.
    $saved = @{}
    foreach ($name in $Environment.Keys) {
        $saved[$name] = [Environment]::GetEnvironmentVariable($name)
        [Environment]::SetEnvironmentVariable($name, [string] $Environment[$name])
    }
    try { & $Action }
    finally {
        foreach ($name in $saved.Keys) { [Environment]::SetEnvironmentVariable($name, $saved[$name]) }
    }
}
