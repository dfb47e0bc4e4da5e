# Import-SmimeCertificate: correspondents into AddressBook, trusted CAs into Root. Runs in a child PowerShell whose
# HOME is a temp folder, so the user's own stores are never touched (.NET keeps CurrentUser stores under HOME).
BeforeDiscovery {
    $onWindows = $IsWindows
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $pki = Get-TestPki
}

Describe 'Import-SmimeCertificate' -Skip:$onWindows {
    It 'adds correspondents to AddressBook and a trusted CA to Root, keeping keys out' {
        $storeHome = Join-Path $TestDrive 'home'
        New-Item -ItemType Directory $storeHome | Out-Null
        $script = {
            $ErrorActionPreference = 'Stop'
            Import-Module $Module
            $pki = Get-Content $Manifest -Raw | ConvertFrom-Json
            $folder = Split-Path $Manifest -Parent
            $password = ConvertTo-SecureString $pki.password -AsPlainText -Force
            $result = [ordered]@{}
            # A PKCS#12 with its key: only the certificates go into the address book.
            $added = Import-SmimeCertificate -Path "$folder/rsa3072.p12", "$folder/p256.crt" -ErrorAction SilentlyContinue -ErrorVariable problems
            $added = @($added) + @(Get-SmimeCertificate -Path "$folder/rsa3072.p12" -Password $password | Import-SmimeCertificate)
            $result.Added = @($added | ForEach-Object { $_.Thumbprint })
            $result.AddedProblems = @($problems | ForEach-Object { $_.FullyQualifiedErrorId })
            $book = [System.Security.Cryptography.X509Certificates.X509Store]::new('AddressBook', 'CurrentUser')
            $book.Open('ReadOnly')
            $result.BookThumbprints = @($book.Certificates | ForEach-Object { $_.Thumbprint })
            $result.BookKeys = @($book.Certificates | Where-Object HasPrivateKey).Count
            $book.Dispose()
            Import-SmimeCertificate -Path "$folder/root.crt" -CertStoreLocation 'Cert:\CurrentUser\Root' -WhatIf
            $root = [System.Security.Cryptography.X509Certificates.X509Store]::new('Root', 'CurrentUser')
            $root.Open('ReadOnly'); $result.RootAfterWhatIf = $root.Certificates.Count; $root.Dispose()
            $trusted = Import-SmimeCertificate -Path "$folder/root.crt" -CertStoreLocation 'Cert:\CurrentUser\Root' -Confirm:$false
            $result.Trusted = $trusted.Thumbprint
            $result.TrustedStore = $trusted.Store
            $root = [System.Security.Cryptography.X509Certificates.X509Store]::new('Root', 'CurrentUser')
            $root.Open('ReadOnly'); $result.RootThumbprints = @($root.Certificates | ForEach-Object { $_.Thumbprint }); $root.Dispose()
            $result | ConvertTo-Json -Depth 3
        }
        $result = Invoke-ChildPwsh -Script $script.ToString() -Arguments @{ Module = $ModulePath; Manifest = $env:SMIMETOOLS_TEST_PKI } -Environment @{ HOME = $storeHome }

        $result.BookThumbprints | Should -Contain $pki.users.rsa3072.thumbprint
        $result.BookThumbprints | Should -Contain $pki.users.p256.thumbprint
        $result.BookThumbprints | Should -Contain $pki.intermediate.thumbprint
        $result.BookKeys | Should -Be 0
        # Without -Password the PKCS#12 cannot be read: a per-file error, the other file still imported.
        $result.AddedProblems | Should -Be @('BadPassword,SmimeTools.Commands.ImportSmimeCertificateCommand')
        $result.RootAfterWhatIf | Should -Be 0
        $result.Trusted | Should -Be $pki.root.thumbprint
        $result.TrustedStore | Should -Be 'Cert:\CurrentUser\Root'
        $result.RootThumbprints | Should -Be @($pki.root.thumbprint)
    }
}
