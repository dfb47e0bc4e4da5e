# Packs a built module folder into its PowerShell Gallery form, <Name>.<ModuleVersion>.nupkg, in a local file
# repository, and returns the package file. build.ps1 Package and the package test both run this one script.
# PSResourceGet keeps its repository list in the user's per-user folders, so it runs in a child PowerShell with a
# throwaway HOME and XDG folders: registering the local folder never changes the user's own configuration.
[CmdletBinding()]
param(
    # The built module folder, named as the module (out/SmimeTools).
    [Parameter(Mandatory)] [string] $ModulePath,
    # The folder that is the file repository; made when missing.
    [Parameter(Mandatory)] [string] $RepositoryPath
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
. (Join-Path $PSScriptRoot 'BuildSupport.ps1')

$module = Get-Item -LiteralPath $ModulePath
$version = (Import-PowerShellDataFile (Join-Path $module.FullName "$($module.Name).psd1")).ModuleVersion
$repository = New-Item -ItemType Directory -Force $RepositoryPath
$package = Join-Path $repository.FullName "$($module.Name).$version.nupkg"
# A file repository refuses a version it already holds; a new build of the same version replaces it.
Remove-Item -LiteralPath $package -Force -ErrorAction Ignore

$profileFolder = Join-Path ([IO.Path]::GetTempPath()) ('smimetools-package-' + [guid]::NewGuid().ToString('n').Substring(0, 8))
$environment = New-ThrowawayUserProfile $profileFolder
$childScript = Join-Path $profileFolder 'publish.ps1'
Set-Content -LiteralPath $childScript -Encoding utf8 -Value @'
param([string] $ModulePath, [string] $RepositoryPath, [string] $ProfileFolder)
$ErrorActionPreference = 'Stop'
# Where .NET does not take per-user folders from HOME/XDG (Windows known folders), stop before PSResourceGet writes.
$store = [Environment]::GetFolderPath('LocalApplicationData')
if (-not $store.StartsWith($ProfileFolder)) {
    throw "PSResourceGet would keep its repository list in '$store', the user's own folder, rather than in a throwaway one; nothing was registered."
}
Register-PSResourceRepository -Name SmimeToolsBuild -Uri $RepositoryPath -Trusted
Publish-PSResource -Path $ModulePath -Repository SmimeToolsBuild
'@
try {
    $pwsh = Get-PwshCommand
    Invoke-WithEnvironment $environment {
        Invoke-Native $pwsh[0] @($pwsh | Select-Object -Skip 1) -NoProfile -NonInteractive -File $childScript `
            -ModulePath $module.FullName -RepositoryPath $repository.FullName -ProfileFolder $profileFolder
    }
}
finally {
    Remove-Item -LiteralPath $profileFolder -Recurse -Force -ErrorAction Ignore
}
if (-not (Test-Path -LiteralPath $package)) { throw "Publish-PSResource reported success but made no $package." }
Get-Item -LiteralPath $package
