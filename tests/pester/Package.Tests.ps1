# The PowerShell Gallery package, made by the script build.ps1 Package runs, installed the way users install it:
# Install-PSResource from a repository, Import-Module by name, then a real signature made and checked.
BeforeDiscovery {
    $script:hasPSResourceGet = [bool](Get-Module -ListAvailable Microsoft.PowerShell.PSResourceGet)
}

Describe 'The package' -Skip:(-not $hasPSResourceGet) {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'Common.ps1')
        $pki = Get-TestPki
        $manifest = Import-PowerShellDataFile (Join-Path $ModulePath 'SmimeTools.psd1')
        $builtFiles = @(Get-ChildItem $ModulePath -Recurse -File |
                ForEach-Object { [IO.Path]::GetRelativePath($ModulePath, $_.FullName) -replace '\\', '/' } | Sort-Object)

        # The user's own PSResourceGet repository list, which packaging and installing must leave as it was.
        $userStore = Join-Path ([Environment]::GetFolderPath('LocalApplicationData')) 'PSResourceGet/PSResourceRepository.xml'
        function Get-StoreState { if (Test-Path -LiteralPath $userStore) { (Get-FileHash -LiteralPath $userStore).Hash } else { 'absent' } }
        $storeBefore = Get-StoreState

        $repository = Join-Path $TestDrive 'repository'
        $package = & (Join-Path $RepoRoot 'build/Publish-ModulePackage.ps1') -ModulePath $ModulePath -RepositoryPath $repository
        $userProfile = Join-Path $TestDrive 'home'
        $install = @'
$ErrorActionPreference = 'Stop'
$result = [ordered]@{ DataHome = [Environment]::GetFolderPath('LocalApplicationData') }
Register-PSResourceRepository -Name SmimeToolsTest -Uri $Repository
$installed = Install-PSResource SmimeTools -Repository SmimeToolsTest -TrustRepository -Quiet -PassThru
$result.InstalledVersion = "$($installed.Version)"
Import-Module SmimeTools
$module = Get-Module SmimeTools
$result.ModuleBase = $module.ModuleBase
$result.Version = "$($module.Version)"
$result.Cmdlets = @($module.ExportedCmdlets.Keys)
$result.Files = @(Get-ChildItem $module.ModuleBase -Recurse -File |
    ForEach-Object { [IO.Path]::GetRelativePath($module.ModuleBase, $_.FullName) -replace '\\', '/' } | Sort-Object)
$identity = Get-SmimeCertificate -LiteralPath $Identity -Password (ConvertTo-SecureString $Password -AsPlainText -Force)
$signed = Join-Path $Work 'signed.eml'
$result.Signed = (Protect-SmimeMessage -Path $Message -SignWith $identity -Destination $signed).Signed
$verified = Test-SmimeSignature -Path $signed -TrustedRoot $Root -Crl $IntermediateCrl, $RootCrl
$result.Status = "$($verified.Status)"
$result.IsValid = $verified.IsValid
$result.Thumbprint = $verified.Thumbprint
try { Test-SmimeSignature -Path $Message -TrustedRoot $Root -ErrorAction Stop | Out-Null; $result.UnsignedErrorId = 'none' }
catch { $result.UnsignedErrorId = $_.FullyQualifiedErrorId }
$context = [System.Runtime.Loader.AssemblyLoadContext]::All | Where-Object Name -eq 'SmimeTools'
$result.EngineLocation = ($context.Assemblies | Where-Object { $_.GetName().Name -eq 'SmimeTools.Engine' }).Location
$result | ConvertTo-Json -Depth 3
'@
        $arguments = @{
            Repository = $repository; Identity = $pki.users.rsa2048.pkcs12Path; Password = $pki.password
            Message = $pki.sampleMessagePath; Root = $pki.root.certificatePath; Work = $TestDrive
            IntermediateCrl = $pki.intermediate.crlDerPath; RootCrl = $pki.root.crlDerPath
        }
        $installedResult = Invoke-ChildPwsh -Script $install -Arguments $arguments -Environment (New-ThrowawayUserProfile $userProfile)
        $storeAfter = Get-StoreState
    }

    It 'is named by the manifest''s ModuleVersion and carries its Gallery metadata' {
        $package.Name | Should -Be "SmimeTools.$($manifest.ModuleVersion).nupkg"
        $zip = [IO.Compression.ZipFile]::OpenRead($package.FullName)
        try {
            $reader = [IO.StreamReader]::new($zip.GetEntry('SmimeTools.nuspec').Open())
            [xml] $nuspec = $reader.ReadToEnd()
            $reader.Dispose()
        }
        finally { $zip.Dispose() }
        $metadata = $nuspec.package.metadata
        $metadata.id | Should -Be 'SmimeTools'
        $metadata.version | Should -Be $manifest.ModuleVersion
        $metadata.projectUrl | Should -Be $manifest.PrivateData.PSData.ProjectUri
        $metadata.licenseUrl | Should -Be $manifest.PrivateData.PSData.LicenseUri
        $metadata.releaseNotes | Should -Be $manifest.PrivateData.PSData.ReleaseNotes
    }

    It 'installs by name into the throwaway profile, with every file of the built module folder' {
        $expectedBase = Join-Path $installedResult.DataHome "powershell/Modules/SmimeTools/$($manifest.ModuleVersion)"
        $installedResult.DataHome | Should -BeLike "$userProfile*"
        $installedResult.InstalledVersion | Should -Be $manifest.ModuleVersion
        $installedResult.ModuleBase | Should -Be $expectedBase
        $installedResult.Version | Should -Be $manifest.ModuleVersion
        $installedResult.Cmdlets | Sort-Object | Should -Be ($manifest.CmdletsToExport | Sort-Object)
        # PSResourceGet adds its own record of the installation beside the module's files.
        $installedResult.Files | Where-Object { $_ -ne 'PSGetModuleInfo.xml' } | Should -Be $builtFiles
        $builtFiles | Should -Contain 'Dependencies/SmimeTools.Engine.dll'
        $builtFiles | Should -Contain 'LICENSE'
        $builtFiles | Should -Contain 'CHANGELOG.md'
    }

    It 'loads its engine from the installed Dependencies folder and signs and verifies' {
        $installedResult.EngineLocation | Should -Be (Join-Path $installedResult.ModuleBase 'Dependencies/SmimeTools.Engine.dll')
        $installedResult.Signed | Should -BeTrue
        $installedResult.Status | Should -Be 'Valid'
        $installedResult.IsValid | Should -BeTrue
        $installedResult.Thumbprint | Should -Be $pki.users.rsa2048.thumbprint
        $installedResult.UnsignedErrorId | Should -Be 'NotSigned,SmimeTools.Commands.TestSmimeSignatureCommand'
    }

    It 'leaves the user''s own PSResourceGet repository list as it was' {
        $storeAfter | Should -Be $storeBefore
    }
}

Describe 'CHANGELOG.md' {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'Common.ps1')
        $version = (Import-PowerShellDataFile (Join-Path $RepoRoot 'SmimeTools.psd1')).ModuleVersion
        $headings = @(Get-Content (Join-Path $RepoRoot 'CHANGELOG.md') | Where-Object { $_ -like '## *' })
    }

    It 'has an Unreleased section first, then the manifest''s ModuleVersion' {
        $headings[0] | Should -Be '## [Unreleased]'
        $headings[1] | Should -Match "^## \[$([regex]::Escape($version))\] - \d{4}-\d{2}-\d{2}$"
    }
}
