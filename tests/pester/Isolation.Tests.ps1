# The engine and its libraries live in the module's own load context, so a different BouncyCastle already
# loaded by another module keeps working, and ours does too (DESIGN.md §2).
BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $pki = Get-TestPki
    $otherBouncyCastle = Join-Path $ToolsPath 'bouncycastle.cryptography/2.4.0/lib/net6.0/BouncyCastle.Cryptography.dll'
    $probe = @'
$ErrorActionPreference = 'Stop'
function Get-Sha256Hex { $d = [Org.BouncyCastle.Crypto.Digests.Sha256Digest]::new(); $b = [Text.Encoding]::ASCII.GetBytes('abc'); $d.BlockUpdate($b, 0, 3); $o = [byte[]]::new(32); [void]$d.DoFinal($o, 0); [Convert]::ToHexString($o) }
function Get-Certificates { @(Get-SmimeCertificate -LiteralPath $Certificate -Password (ConvertTo-SecureString $Password -AsPlainText -Force)) }
$result = [ordered]@{}
if ($Order -eq 'OtherFirst') { Add-Type -Path $Other; $result.OtherDigest = Get-Sha256Hex }
Import-Module $Module
$first = Get-Certificates
if ($Order -ne 'OtherFirst') { Add-Type -Path $Other; $result.OtherDigest = Get-Sha256Hex }
$result.FirstCount = $first.Count
$result.FirstHasKey = $first[0].HasPrivateKey
$result.FirstEmails = @($first[0].Emails)
Remove-Module SmimeTools
Import-Module $Module
$second = Get-Certificates
$result.SecondCount = $second.Count
$result.OtherDigestAfter = Get-Sha256Hex
$alc = [System.Runtime.Loader.AssemblyLoadContext]
$result.DefaultContext = @($alc::Default.Assemblies | ForEach-Object { $_.GetName().Name })
$ours = @($alc::All | Where-Object Name -eq 'SmimeTools')
$result.ModuleContexts = $ours.Count
$result.ModuleContext = @($ours | ForEach-Object { $_.Assemblies } | ForEach-Object { $_.GetName().Name })
$result.DefaultBouncyCastle = ($alc::Default.Assemblies | Where-Object { $_.GetName().Name -eq 'BouncyCastle.Cryptography' }).Location
$result.ModuleBouncyCastle = ($ours | ForEach-Object { $_.Assemblies } | Where-Object { $_.GetName().Name -eq 'BouncyCastle.Cryptography' }).Location
# MimeKit and Pkcs11Interop are not used by every cmdlet yet; ask the module's context where it finds them.
$result.Resolved = @('MimeKit', 'Pkcs11Interop' | ForEach-Object { $ours[0].LoadFromAssemblyName([Reflection.AssemblyName]::new($_)).Location })
$result | ConvertTo-Json -Depth 3
'@
}

Describe 'Load isolation' {
    It 'works with another BouncyCastle loaded <Order>' -ForEach @(@{ Order = 'OtherFirst' }, @{ Order = 'ModuleFirst' }) {
        $arguments = @{ Order = $Order; Other = $otherBouncyCastle; Module = $ModulePath; Certificate = $pki.users.rsa2048.pkcs12Path; Password = $pki.password }
        $result = Invoke-ChildPwsh -Script $probe -Arguments $arguments

        # The other module's BouncyCastle still works, before and after ours is imported, removed and imported again.
        $result.OtherDigest | Should -Be 'BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD'
        $result.OtherDigestAfter | Should -Be $result.OtherDigest
        # Our cmdlet reads PKCS#12 (BouncyCastle work in the engine) in both imports.
        $result.FirstCount | Should -BeGreaterThan 0
        $result.FirstHasKey | Should -BeTrue
        $result.FirstEmails | Should -Contain 'alice@example.com'
        $result.SecondCount | Should -Be $result.FirstCount
        # The engine and its libraries sit in one module context, not in the default one.
        $result.ModuleContexts | Should -Be 1
        $result.ModuleContext | Should -Contain 'SmimeTools.Engine'
        $result.ModuleContext | Should -Contain 'BouncyCastle.Cryptography'
        $result.Resolved | Should -Be @((Join-Path $ModulePath 'Dependencies/MimeKit.dll'), (Join-Path $ModulePath 'Dependencies/Pkcs11Interop.dll'))
        $result.DefaultContext | Should -Not -Contain 'SmimeTools.Engine'
        $result.DefaultContext | Should -Not -Contain 'MimeKit'
        $result.DefaultContext | Should -Contain 'SmimeTools'
        $result.DefaultBouncyCastle | Should -Be $otherBouncyCastle
        $result.ModuleBouncyCastle | Should -Be (Join-Path $ModulePath 'Dependencies/BouncyCastle.Cryptography.dll')
    }
}
