#!/usr/bin/env pwsh
<#
.SYNOPSIS
    Builds, tests, demonstrates, benchmarks and packages SmimeTools.

.DESCRIPTION
    One entry point for every task. Run it with the PowerShell pinned in .config/dotnet-tools.json:

        dotnet tool restore
        dotnet pwsh ./build.ps1 Demo     # build, make a throwaway PKI, show the module at work
        dotnet pwsh ./build.ps1 Test     # build and run every xunit and Pester test
        dotnet pwsh ./build.ps1 Package  # build, then pack out/repository/SmimeTools.<version>.nupkg
        dotnet pwsh ./build.ps1 Fuzz -Target asn1 -Minutes 30   # AFL++ on one parser (tests/fuzz/README.md)

    Build tools (Pester, and a second BouncyCastle for the isolation test) are restored from NuGet into
    out/tools; nothing is installed into the user's profile. On Debian-like systems, when run as root, the Test
    task installs the system programs the interop tests use (openssl, gpgsm, NSS tools, slapd, SoftHSM2)
    with apt-get if they are missing; elsewhere those tests skip and say why.

    Package makes the PowerShell Gallery form with Publish-PSResource (build/Publish-ModulePackage.ps1): out/repository
    is a local file repository that Install-PSResource installs from. The folder is registered only in a child
    PowerShell with a throwaway HOME and XDG folders, so the user's own PSResourceGet configuration is not changed.

.PARAMETER Task
    Build (default), Test, Demo, Bench, Help, Package or Fuzz.

.PARAMETER Target
    Fuzz only: the parsers to fuzz (asn1, enveloped, signed, pkcs12, ldap, mime, compressed, certfile, crl, ocsp);
    all of them, riskiest first, when left out.

.PARAMETER Minutes
    Fuzz only: how long afl-fuzz runs on each target (10 by default); several values go with -Target in order.

.PARAMETER Executions
    Fuzz only: stop each target once AFL has made this many executions (counting a resumed target's earlier runs).
    Without -Minutes there is then no time limit.

.PARAMETER Configuration
    The .NET build configuration, Release by default.

.PARAMETER SkipSystemPackages
    Do not try to install missing system packages before testing.
#>
[CmdletBinding()]
param(
    [Parameter(Position = 0)]
    [ValidateSet('Build', 'Test', 'Demo', 'Bench', 'Help', 'Package', 'Fuzz')]
    [string] $Task = 'Build',

    [string[]] $Target,

    [string[]] $Minutes = '10',

    [long] $Executions = 0,

    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release',

    [switch] $SkipSystemPackages
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0

$Root = $PSScriptRoot
$MinutesGiven = $PSBoundParameters.ContainsKey('Minutes')
$Out = Join-Path $Root 'out'
$ModuleOut = Join-Path $Out 'SmimeTools'
$ToolsOut = Join-Path $Out 'tools'
$ResultsOut = Join-Path $Out 'test-results'
$RepositoryOut = Join-Path $Out 'repository'
$Manifest = Import-PowerShellDataFile (Join-Path $Root 'SmimeTools.psd1')
$Version = $Manifest.ModuleVersion

. (Join-Path $Root 'build/BuildSupport.ps1')

function Invoke-Build {
    Write-Step "Building SmimeTools $Version ($Configuration)"
    $publish = Join-Path $Out 'publish'
    Invoke-Native dotnet publish (Join-Path $Root 'src/SmimeTools/SmimeTools.csproj') -c $Configuration -o (Join-Path $publish 'cmdlets') "-p:Version=$Version" --nologo --verbosity quiet
    Invoke-Native dotnet publish (Join-Path $Root 'src/SmimeTools.Engine/SmimeTools.Engine.csproj') -c $Configuration -o (Join-Path $publish 'engine') "-p:Version=$Version" --nologo --verbosity quiet

    if (Test-Path $ModuleOut) { Remove-Item $ModuleOut -Recurse -Force }
    $dependencies = New-Item -ItemType Directory -Force (Join-Path $ModuleOut 'Dependencies')
    New-Item -ItemType Directory -Force (Join-Path $ModuleOut 'en-US') | Out-Null

    # The cmdlet assembly alone sits in the default load context; everything it needs goes to Dependencies/.
    # SmimeTools.Policy has no dependencies and its enums are cmdlet parameter types, so it sits beside the
    # cmdlets in the default context and the engine shares it from there.
    $shared = 'SmimeTools.dll', 'SmimeTools.pdb', 'SmimeTools.Policy.dll', 'SmimeTools.Policy.pdb'
    $shared | ForEach-Object { Copy-Item (Join-Path $publish "cmdlets/$_") $ModuleOut }
    Get-ChildItem (Join-Path $publish 'engine') -File |
        Where-Object { $_.Extension -in '.dll', '.pdb' -and $_.Name -notin $shared } |
        Copy-Item -Destination $dependencies
    Copy-Item (Join-Path $Root 'SmimeTools.psd1'), (Join-Path $Root 'LICENSE'), (Join-Path $Root 'CHANGELOG.md') $ModuleOut
    Copy-Item (Join-Path $Root 'src/SmimeTools/SmimeTools.Types.ps1xml'), (Join-Path $Root 'src/SmimeTools/SmimeTools.Format.ps1xml') $ModuleOut
    Copy-Item (Join-Path $Root 'src/SmimeTools/SmimeTools.Pester.psm1') $ModuleOut
    Invoke-Help
    Write-Host "Module ready: $ModuleOut"
}

function Invoke-Help {
    Write-Step 'Generating help'
    $enUs = New-Item -ItemType Directory -Force (Join-Path $ModuleOut 'en-US')
    Copy-Item (Join-Path $Root 'en-US/*.help.txt') $enUs
    & (Join-Path $Root 'build/ConvertTo-MamlHelp.ps1') -Source (Join-Path $Root 'docs/en-US') -Destination (Join-Path $enUs 'SmimeTools.dll-Help.xml')
}

function Invoke-RestoreTools {
    Write-Step 'Restoring build tools into out/tools'
    Invoke-Native dotnet restore (Join-Path $Root 'build/tools.proj') --packages $ToolsOut --nologo --verbosity quiet
}

function New-TestPki([string] $Folder) {
    $pkiOut = Join-Path $Out 'testpki'
    Invoke-Native dotnet build (Join-Path $Root 'tests/SmimeTools.TestPki/SmimeTools.TestPki.csproj') -c $Configuration -o $pkiOut --nologo --verbosity quiet
    $manifestPath = Invoke-NativeOutput dotnet (Join-Path $pkiOut 'SmimeTools.TestPki.dll') $Folder
    ($manifestPath | Select-Object -Last 1).Trim()
}

function Invoke-Test {
    if (-not $SkipSystemPackages) { Install-SystemPackage }
    Invoke-Build
    Invoke-RestoreTools
    if (Test-Path $ResultsOut) { Remove-Item $ResultsOut -Recurse -Force }
    New-Item -ItemType Directory -Force $ResultsOut | Out-Null

    Write-Step 'Making the test PKI'
    $pkiFolder = Join-Path $Out 'test-pki'
    if (Test-Path $pkiFolder) { Remove-Item $pkiFolder -Recurse -Force }
    $env:SMIMETOOLS_TEST_PKI = New-TestPki $pkiFolder
    $env:SMIMETOOLS_MODULE = $ModuleOut
    $env:SMIMETOOLS_TOOLS = $ToolsOut
    $env:SMIMETOOLS_CORPORA = Join-Path (Split-Path $Root -Parent) 'shared/corpora'

    Write-Step 'Running xunit tests'
    $trx = 'xunit.trx'
    & dotnet test (Join-Path $Root 'tests/SmimeTools.Tests/SmimeTools.Tests.csproj') -c $Configuration --nologo `
        --logger "trx;LogFileName=$trx" --logger 'console;verbosity=normal' --results-directory $ResultsOut
    $xunit = Read-TrxCount (Join-Path $ResultsOut $trx)

    Write-Step 'Running Pester tests'
    $pesterJson = Join-Path $ResultsOut 'pester.json'
    $pwsh = Get-PwshCommand
    & $pwsh[0] @($pwsh | Select-Object -Skip 1) -NoProfile -NonInteractive -File (Join-Path $Root 'build/Invoke-PesterSuite.ps1') `
        -PesterModule (Join-Path $ToolsOut 'pester/5.7.1/tools/Pester.psd1') -TestPath (Join-Path $Root 'tests/pester') -ResultPath $pesterJson
    $pester = if (Test-Path $pesterJson) { Get-Content $pesterJson -Raw | ConvertFrom-Json } else { [pscustomobject]@{ Passed = 0; Failed = 1; Skipped = 0 } }

    $passed = $xunit.Passed + $pester.Passed
    $failed = $xunit.Failed + $pester.Failed
    $skipped = $xunit.Skipped + $pester.Skipped
    Write-Host ''
    Write-Host "xunit: $($xunit.Passed) passed, $($xunit.Failed) failed, $($xunit.Skipped) skipped; Pester: $($pester.Passed) passed, $($pester.Failed) failed, $($pester.Skipped) skipped"
    $line = "$passed passed, $failed failed"
    if ($skipped -gt 0) { $line += ", $skipped skipped" }
    Write-Host $line
    if ($failed -gt 0 -or ($passed -eq 0)) { exit 1 }
}

function Invoke-Demo {
    Invoke-Build
    $folder = Join-Path ([IO.Path]::GetTempPath()) ("smimetools-demo-" + [guid]::NewGuid().ToString('n').Substring(0, 8))
    Write-Step "Making a throwaway demo PKI in $folder"
    $manifestPath = New-TestPki $folder
    try {
        $pwsh = Get-PwshCommand
        & $pwsh[0] @($pwsh | Select-Object -Skip 1) -NoProfile -NonInteractive -File (Join-Path $Root 'demo/demo.ps1') -ModulePath $ModuleOut -PkiManifest $manifestPath
        if ($LASTEXITCODE -ne 0) { throw "The demo failed (exit code $LASTEXITCODE)." }
    }
    finally {
        Remove-Item $folder -Recurse -Force -ErrorAction SilentlyContinue
    }
}

function Invoke-Bench {
    Invoke-Build
    New-TestPki (Join-Path $Out 'bench-pki') | Out-Null
    $pwsh = Get-PwshCommand
    & $pwsh[0] @($pwsh | Select-Object -Skip 1) -NoProfile -NonInteractive -File (Join-Path $Root 'bench/bench.ps1') `
        -ModulePath $ModuleOut -PkiTool (Join-Path $Out 'testpki/SmimeTools.TestPki.dll')
    & $pwsh[0] @($pwsh | Select-Object -Skip 1) -NoProfile -NonInteractive -File (Join-Path $Root 'bench/update.ps1') `
        -ModulePath $ModuleOut -PkiTool (Join-Path $Out 'testpki/SmimeTools.TestPki.dll')
}

function Invoke-Package {
    Invoke-Build
    Write-Step 'Packing the PowerShell Gallery package'
    $package = & (Join-Path $Root 'build/Publish-ModulePackage.ps1') -ModulePath $ModuleOut -RepositoryPath $RepositoryOut
    Write-Host "Package: $($package.FullName)"
    Write-Host "Install it with: Register-PSResourceRepository -Name SmimeToolsLocal -Uri '$RepositoryOut' -Trusted; Install-PSResource SmimeTools -Repository SmimeToolsLocal"
}

function Invoke-Fuzz {
    if (-not $SkipSystemPackages) { Install-SystemPackage }
    $pkiFolder = Join-Path $Out 'test-pki'
    if (-not (Test-Path (Join-Path $pkiFolder 'manifest.json'))) {
        Write-Step 'Making the test PKI'
        New-TestPki $pkiFolder | Out-Null
    }
    $budget = @{ Executions = $Executions }
    if ($MinutesGiven -or $Executions -le 0) { $budget.Minutes = $Minutes }
    & (Join-Path $Root 'build/Invoke-Fuzz.ps1') -Root $Root -PkiFolder $pkiFolder -Target $Target -Configuration $Configuration @budget
}

Push-Location $Root
try {
    switch ($Task) {
        'Build' { Invoke-Build }
        'Help' { Invoke-Help }
        'Test' { Invoke-Test }
        'Demo' { Invoke-Demo }
        'Bench' { Invoke-Bench }
        'Package' { Invoke-Package }
        'Fuzz' { Invoke-Fuzz }
    }
}
finally {
    Pop-Location
}
