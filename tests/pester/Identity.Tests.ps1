# Import-SmimeIdentity and Export-SmimeIdentity. Imports run in a child PowerShell whose HOME is a temp folder, so
# .NET's CurrentUser stores (~/.dotnet/corefx/cryptography/x509stores on Linux) are the test's, never the user's.
BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $script:onWindows = $IsWindows
    $script:notLinux = -not $IsLinux
    $corpus = if ($env:SMIMETOOLS_CORPORA) { $env:SMIMETOOLS_CORPORA } else { Join-Path (Split-Path $RepoRoot -Parent) 'shared/corpora' }
    $script:noCorpus = -not (Test-Path (Join-Path $corpus 'pkcs12-rustcrypto/MANIFEST.tsv'))
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    Import-Module $ModulePath -Force
    $pki = Get-TestPki
    $users = $pki.users
    function UserFile([string] $Name, [string] $Extension) { Join-Path $pki.Folder "$Name$Extension" }
    function Secure([string] $Text) { ConvertTo-SecureString $Text -AsPlainText -Force }
    function Identity([string] $Name) {
        # KeyLocation, not HasPrivateKey: .NET holds no Ed25519 key, SmimeTools keeps it beside the certificate.
        Get-SmimeCertificate -Path (UserFile $Name '.p12') -Password $pki.SecurePassword | Where-Object KeyLocation -eq 'File'
    }

    # Runs $Script in a child PowerShell with HOME set to a new temp folder; $Module, $Password and the given
    # arguments are defined in it, and it must end by writing one JSON object.
    function Invoke-InTempHome([scriptblock] $Script, [hashtable] $Arguments = @{}, [string] $StoreHome) {
        if (-not $StoreHome) { $StoreHome = Join-Path $TestDrive ('home-' + [guid]::NewGuid().ToString('n').Substring(0, 8)) }
        New-Item -ItemType Directory -Force $StoreHome | Out-Null
        $all = @{ Module = $ModulePath; Password = $pki.password; PkiFolder = $pki.Folder } + $Arguments
        $prelude = {
            $ErrorActionPreference = 'Stop'
            Import-Module $Module
            $secure = ConvertTo-SecureString $Password -AsPlainText -Force
            function StoreThumbprints([string] $Name = 'My') {
                $store = [System.Security.Cryptography.X509Certificates.X509Store]::new($Name, 'CurrentUser')
                $store.Open('ReadOnly')
                try { @($store.Certificates | ForEach-Object { "$($_.Thumbprint) $($_.HasPrivateKey)" } | Sort-Object) } finally { $store.Close() }
            }
            function Ids($Errors) { @($Errors | ForEach-Object { $_.FullyQualifiedErrorId.Split(',')[0] }) }
        }
        Invoke-ChildPwsh -Script ($prelude.ToString() + "`n" + $Script.ToString()) -Arguments $all -Environment @{ HOME = $StoreHome }
    }
}

Describe 'Import-SmimeIdentity' -Skip:$onWindows {
    It 'imports many files in one call; a wrong password fails only its own file' {
        $wrong = Join-Path $TestDrive 'wrong-password.p12'
        Identity p384 | Export-SmimeIdentity -Destination $wrong -Password (Secure 'another password') | Out-Null
        $result = Invoke-InTempHome -Arguments @{ Wrong = $wrong } {
            $files = (Join-Path $PkiFolder rsa2048.p12), $Wrong, (Join-Path $PkiFolder p256.p12), (Join-Path $PkiFolder rsa3072.p12)
            $records = @($files | Import-SmimeIdentity -Password $secure -ErrorAction SilentlyContinue -ErrorVariable problems)
            @{
                Records     = @($records | ForEach-Object { "$($_.Thumbprint) $($_.Store) $($_.Exportable) $($_.KeyAlgorithm)" })
                Type        = $records[0].PSObject.TypeNames[0]
                Emails      = @($records.Emails)
                Errors      = Ids $problems
                ErrorTarget = "$($problems[0].TargetObject)"
                Stored      = StoreThumbprints
                HomeUsed    = $HOME
            } | ConvertTo-Json
        }
        $result.Records | Should -Be @(
            "$($users.rsa2048.thumbprint) Cert:\CurrentUser\My True RSA 2048"
            "$($users.p256.thumbprint) Cert:\CurrentUser\My True EC P-256"
            "$($users.rsa3072.thumbprint) Cert:\CurrentUser\My True RSA 3072")
        $result.Type | Should -Be 'SmimeTools.Engine.Certificates.IdentityRecord'
        $result.Emails | Should -Be @('alice@example.com', 'carol@example.com', 'bob@example.com')
        $result.Errors | Should -Be @('BadPassword')
        $result.ErrorTarget | Should -Be $wrong
        $result.Stored | Should -Be (@($users.rsa2048.thumbprint, $users.p256.thumbprint, $users.rsa3072.thumbprint) | ForEach-Object { "$_ True" } | Sort-Object)
        $result.HomeUsed | Should -BeLike "$TestDrive*"
    }

    It '-WhatIf imports nothing and opens no store' {
        $storeHome = Join-Path $TestDrive 'whatif-home'
        $result = Invoke-InTempHome -StoreHome $storeHome {
            $records = @(Import-SmimeIdentity -Path (Join-Path $PkiFolder rsa2048.p12) -Password $secure -WhatIf)
            @{ Count = $records.Count } | ConvertTo-Json
        }
        $result.Count | Should -Be 0
        Join-Path $storeHome '.dotnet' | Should -Not -Exist
    }

    It 'imports a PEM certificate with its key beside it, and PEM files holding both' {
        $combined = Join-Path $TestDrive 'carol-both.pem'
        (Get-Content (UserFile p256 '.crt') -Raw) + (Get-Content (UserFile p256 '.enc.key') -Raw) | Set-Content $combined
        $result = Invoke-InTempHome -Arguments @{ Combined = $combined } {
            $records = @(Import-SmimeIdentity -LiteralPath (Join-Path $PkiFolder rsa3072.crt), $Combined -Password $secure)
            @{ Sources = @($records.Source); Stored = StoreThumbprints } | ConvertTo-Json
        }
        $result.Sources | Should -Be @((UserFile rsa3072 '.crt'), $combined)
        $result.Stored | Should -Be (@("$($users.rsa3072.thumbprint) True", "$($users.p256.thumbprint) True") | Sort-Object)
    }

    It 'says what is missing: no key, no certificate, a key a store cannot hold' {
        $certificateOnly = Join-Path $TestDrive 'certificate-only.cer'
        Copy-Item (UserFile p256 '.cer') $certificateOnly
        $result = Invoke-InTempHome -Arguments @{ CertificateOnly = $certificateOnly } {
            $files = $CertificateOnly, (Join-Path $PkiFolder p256.key), (Join-Path $PkiFolder ed25519.p12), (Join-Path $PkiFolder x25519.p12)
            $records = @(Import-SmimeIdentity -LiteralPath $files -Password $secure -ErrorAction SilentlyContinue -ErrorVariable problems)
            @{ Count = $records.Count; Errors = Ids $problems; Stored = StoreThumbprints } | ConvertTo-Json
        }
        $result.Count | Should -Be 0
        $result.Errors | Should -Be @('NoPrivateKey', 'NoCertificateInFile', 'UnsupportedKey', 'UnsupportedKey')
        $result.Stored | Should -BeNullOrEmpty
    }

    It 'refuses a store path that is not one, and LocalMachine stores on Linux' -Skip:$notLinux {
        $result = Invoke-InTempHome {
            $bad = try { Import-SmimeIdentity -Path (Join-Path $PkiFolder p256.p12) -Password $secure -CertStoreLocation 'Cert:\Nowhere' } catch { $_.FullyQualifiedErrorId }
            $machine = try { Import-SmimeIdentity -Path (Join-Path $PkiFolder p256.p12) -Password $secure -CertStoreLocation 'Cert:/LocalMachine/My' } catch { $_.FullyQualifiedErrorId }
            @{ Bad = $bad; Machine = $machine } | ConvertTo-Json
        }
        $result.Bad | Should -Be 'InvalidStorePath,SmimeTools.Commands.ImportSmimeIdentityCommand'
        $result.Machine | Should -Be 'StoreUnavailable,SmimeTools.Commands.ImportSmimeIdentityCommand'
    }

    It 'imports the odd PKCS#12 files of the corpora: DSA, explicit EC curve, BLAKE2 MAC, no MAC, BER, empty password' -Skip:$noCorpus {
        $corpus = if ($env:SMIMETOOLS_CORPORA) { $env:SMIMETOOLS_CORPORA } else { Join-Path (Split-Path $RepoRoot -Parent) 'shared/corpora' }
        $result = Invoke-InTempHome -Arguments @{ Corpus = $corpus } {
            $mimekit = ConvertTo-SecureString 'no.secret' -AsPlainText -Force
            $rust = ConvertTo-SecureString '1234' -AsPlainText -Force
            $examples = Join-Path $Corpus 'pkcs12-rustcrypto/examples'
            $records = @(
                Import-SmimeIdentity -Path (Join-Path $Corpus 'mimekit-smime/smime/dsa/smime.pfx'), (Join-Path $Corpus 'mimekit-smime/smime/ec/smime.pfx') -Password $mimekit
                Import-SmimeIdentity -Path "$examples/example11.pfx", "$examples/example5.pfx", "$examples/example15.pfx", "$examples/example16.pfx" -Password $rust -ErrorAction SilentlyContinue -ErrorVariable problems
                Import-SmimeIdentity -LiteralPath "$examples/ValidCertificatePathTest1EE_windows_aes.p12.pfx" -Password (ConvertTo-SecureString 'password' -AsPlainText -Force)
                Import-SmimeIdentity -Path "$examples/example.pfx")
            @{
                Keys     = @($records.KeyAlgorithm)
                Files    = @($records | ForEach-Object { Split-Path $_.Source -Leaf })
                Replaced = @($records.Replaced)
                Errors   = Ids $problems
                Stored   = StoreThumbprints
            } | ConvertTo-Json
        }
        $result.Files | Should -Be @('smime.pfx', 'smime.pfx', 'example11.pfx', 'example5.pfx', 'ValidCertificatePathTest1EE_windows_aes.p12.pfx', 'example.pfx')
        $result.Keys[0] | Should -Be 'DSA 1024'
        $result.Keys[1] | Should -BeLike 'EC *'
        $result.Replaced | Should -Be @($false, $false, $false, $true, $false, $true)
        $result.Errors | Should -Be @('NoPrivateKey', 'NoCertificateInFile')
        $result.Stored | Should -HaveCount 4
        $result.Stored | Should -Not -Match 'False$'
    }

    It 'imports into another store, and what it stored exports again with its key' {
        $exported = Join-Path $TestDrive 'from-store'
        New-Item -ItemType Directory $exported | Out-Null
        $result = Invoke-InTempHome -Arguments @{ Exported = $exported } {
            $record = Import-SmimeIdentity -Path (Join-Path $PkiFolder rsa2048.p12) -Password $secure -CertStoreLocation 'cert:\currentuser\smimetest'
            $store = [System.Security.Cryptography.X509Certificates.X509Store]::new('SmimeTest', 'CurrentUser')
            $store.Open('ReadOnly')
            $written = @($store.Certificates | Export-SmimeIdentity -Destination $Exported -Password $secure)
            $store.Close()
            @{ Store = $record.Store; Written = @($written.Path); Source = $written[0].Source } | ConvertTo-Json
        }
        $result.Store | Should -Be 'Cert:\CurrentUser\SmimeTest'
        $result.Written | Should -Be @(Join-Path $exported 'alice@example.com.p12')
        $back = Get-SmimeCertificate -Path $result.Written[0] -Password $pki.SecurePassword | Where-Object HasPrivateKey
        $back.Thumbprint | Should -Be $users.rsa2048.thumbprint
    }
}

Describe 'Export-SmimeIdentity' {
    BeforeAll {
        $alice = Identity rsa2048
        $carol = Identity p256
        $erin = Identity ed25519
    }

    It 'exports identities into a folder, one owner-only PKCS#12 file each, that open again with their keys' {
        $folder = New-Item -ItemType Directory (Join-Path $TestDrive 'bulk')
        $records = @(Get-SmimeCertificate -Path (UserFile rsa2048 '.p12'), (UserFile p256 '.p12'), (UserFile ed25519 '.p12') -Password $pki.SecurePassword |
                Export-SmimeIdentity -Destination $folder -Password (Secure 'hand out'))
        $records.Path | Should -Be @('alice@example.com.p12', 'carol@example.com.p12', 'erin@example.com.p12' | ForEach-Object { Join-Path $folder $_ })
        $records.Format | Should -Be @('Pkcs12', 'Pkcs12', 'Pkcs12')
        $records[0].Source | Should -Be (UserFile rsa2048 '.p12')
        $records[0].PSObject.TypeNames[0] | Should -Be 'SmimeTools.Engine.Certificates.IdentityRecord'
        @(Get-ChildItem $folder).Count | Should -Be 3
        foreach ($record in $records) {
            if (-not $IsWindows) { (Get-Item $record.Path).UnixFileMode | Should -Be ([System.IO.UnixFileMode] 'UserRead, UserWrite') }
            $back = Get-SmimeCertificate -Path $record.Path -Password (Secure 'hand out') | Where-Object KeyLocation -eq 'File'
            $back.Thumbprint | Should -Be $record.Thumbprint
        }
    }

    It 'adds the chain with -IncludeChain and writes the legacy form with -Legacy' {
        $file = Join-Path $TestDrive 'alice-legacy.p12'
        $record = $alice | Export-SmimeIdentity -Destination $file -Password (Secure 'old reader') -Legacy -IncludeChain
        $record.Format | Should -Be 'Pkcs12Legacy'
        $back = @(Get-SmimeCertificate -Path $file -Password (Secure 'old reader'))
        $back.Thumbprint | Should -Be @($users.rsa2048.thumbprint, $pki.intermediate.thumbprint)
    }

    It 'names files by -FileNamePattern' {
        $folder = New-Item -ItemType Directory (Join-Path $TestDrive 'named')
        $record = $carol | Export-SmimeIdentity -Destination $folder -Password (Secure 'x1') -FileNamePattern '{Subject-CN} ({Thumbprint}).pfx'
        $record.Path | Should -Be (Join-Path $folder "Carol Example ($($users.p256.thumbprint)).pfx")
        { $carol | Export-SmimeIdentity -Destination $folder -Password (Secure 'x1') -FileNamePattern '{Name}.p12' } |
            Should -Throw -ErrorId 'InvalidFileNamePattern,SmimeTools.Commands.ExportSmimeIdentityCommand'
    }

    It 'gives each identity its own password with -PasswordPerIdentity' {
        $folder = New-Item -ItemType Directory (Join-Path $TestDrive 'per-identity')
        $passwords = @{ 'alice@example.com' = (Secure 'for alice'); 'carol@example.com' = (Secure 'for carol') }
        $records = @($alice, $carol | Export-SmimeIdentity -Destination $folder -PasswordPerIdentity { $passwords[$_.Emails[0]] })
        $records | Should -HaveCount 2
        (Get-SmimeCertificate -Path $records[0].Path -Password (Secure 'for alice')).Thumbprint | Should -Contain $users.rsa2048.thumbprint
        (Get-SmimeCertificate -Path $records[1].Path -Password (Secure 'for carol')).Thumbprint | Should -Contain $users.p256.thumbprint
        { Get-SmimeCertificate -Path $records[1].Path -Password (Secure 'for alice') -ErrorAction Stop } | Should -Throw -ErrorId 'BadPassword,SmimeTools.Commands.GetSmimeCertificateCommand'

        $erin | Export-SmimeIdentity -Destination $folder -PasswordPerIdentity { $passwords[$_.Emails[0]] } -ErrorAction SilentlyContinue -ErrorVariable problems | Should -BeNullOrEmpty
        $problems.FullyQualifiedErrorId | Should -Be 'BadPassword,SmimeTools.Commands.ExportSmimeIdentityCommand'
        Join-Path $folder 'erin@example.com.p12' | Should -Not -Exist
    }

    It 'exports certificates alone with -PublicOnly, as DER or PEM, and without keys' {
        $folder = New-Item -ItemType Directory (Join-Path $TestDrive 'public')
        $der = Get-SmimeCertificate -Path (UserFile rsa3072 '.crt') | Export-SmimeIdentity -Destination $folder -PublicOnly
        $pem = $carol | Export-SmimeIdentity -Destination $folder -PublicOnly -Format Pem
        $der.Path | Should -Be (Join-Path $folder 'bob@example.com.cer')
        $pem.Path | Should -Be (Join-Path $folder 'carol@example.com.pem')
        $der.HasPrivateKey | Should -BeFalse
        (Get-Content $pem.Path -TotalCount 1) | Should -Be '-----BEGIN CERTIFICATE-----'
        (Get-SmimeCertificate -Path $der.Path).Thumbprint | Should -Be $users.rsa3072.thumbprint
        $back = Get-SmimeCertificate -Path $pem.Path
        $back.HasPrivateKey | Should -BeFalse
        Get-Content $pem.Path -Raw | Should -Not -Match 'PRIVATE KEY'
    }

    It 'never overwrites without -Force, and replaces atomically with it' {
        $file = Join-Path $TestDrive 'exists.p12'
        Set-Content $file 'precious'
        { $alice | Export-SmimeIdentity -Destination $file -Password (Secure 'x') -ErrorAction Stop } |
            Should -Throw -ErrorId 'DestinationExists,SmimeTools.Commands.ExportSmimeIdentityCommand'
        Get-Content $file | Should -Be 'precious'
        @(Get-ChildItem (Split-Path $file) -Filter '.exists*').Count | Should -Be 0
        $record = $alice | Export-SmimeIdentity -Destination $file -Password (Secure 'x') -Force
        $record.Replaced | Should -BeTrue
        (Get-SmimeCertificate -Path $file -Password (Secure 'x')).Thumbprint | Should -Contain $users.rsa2048.thumbprint
    }

    It 'writes nothing with -WhatIf' {
        $folder = New-Item -ItemType Directory (Join-Path $TestDrive 'whatif')
        $alice, $carol | Export-SmimeIdentity -Destination $folder -Password (Secure 'x') -WhatIf | Should -BeNullOrEmpty
        $alice | Export-SmimeIdentity -Destination $folder -PublicOnly -WhatIf | Should -BeNullOrEmpty
        @(Get-ChildItem $folder -Force).Count | Should -Be 0
    }

    It 'reports a certificate without its key as NoPrivateKey and goes on with the others' {
        $folder = New-Item -ItemType Directory (Join-Path $TestDrive 'nokey')
        $records = @((Get-SmimeCertificate -Path (UserFile rsa3072 '.crt')), $carol |
                Export-SmimeIdentity -Destination $folder -Password (Secure 'x') -ErrorAction SilentlyContinue -ErrorVariable problems)
        $records.Thumbprint | Should -Be @($users.p256.thumbprint)
        $problems.FullyQualifiedErrorId | Should -Be 'NoPrivateKey,SmimeTools.Commands.ExportSmimeIdentityCommand'
        $problems[0].TargetObject.Thumbprint | Should -Be $users.rsa3072.thumbprint
    }

    It 'reports progress over the identities' {
        $folder = New-Item -ItemType Directory (Join-Path $TestDrive 'progress')
        $shell = [powershell]::Create()
        try {
            [void] $shell.AddCommand('Import-Module').AddParameter('Name', $ModulePath).AddStatement()
            [void] $shell.AddScript({
                    param($Files, $Folder, $Password)
                    Get-SmimeCertificate -Path $Files -Password $Password | Export-SmimeIdentity -Destination $Folder -PublicOnly
                }).AddParameters(@{ Files = @((UserFile rsa2048 '.crt'), (UserFile rsa3072 '.crt'), (UserFile p256 '.crt')); Folder = $folder.FullName; Password = $pki.SecurePassword })
            $records = $shell.Invoke()
            $records | Should -HaveCount 3
            $progress = @($shell.Streams.Progress | Where-Object Activity -eq 'Exporting identities')
            @($progress | Where-Object RecordType -eq 'Processing').PercentComplete | Should -Be @(0, 33, 66)
            $progress[-1].RecordType | Should -Be 'Completed'
        }
        finally {
            $shell.Dispose()
        }
    }

    It 'refuses a destination that is not on the file system, and a pattern without a folder' {
        { $alice | Export-SmimeIdentity -Destination 'Env:\SMIMETOOLS_NOT_A_FILE' -Password (Secure 'x') } |
            Should -Throw -ErrorId 'NotFileSystemPath,SmimeTools.Commands.ExportSmimeIdentityCommand'
        { $alice | Export-SmimeIdentity -Destination (Join-Path $TestDrive 'no-such-folder') -Password (Secure 'x') -FileNamePattern '{Email}.p12' } |
            Should -Throw -ErrorId 'WriteFailed,SmimeTools.Commands.ExportSmimeIdentityCommand'
    }

    It 'does not write two identities to one file' {
        $file = Join-Path $TestDrive 'one-file.p12'
        $records = @($alice, $carol | Export-SmimeIdentity -Destination $file -Password (Secure 'x') -Force -ErrorAction SilentlyContinue -ErrorVariable problems)
        $records | Should -HaveCount 1
        $problems.FullyQualifiedErrorId | Should -Be 'DestinationExists,SmimeTools.Commands.ExportSmimeIdentityCommand'
    }
}
