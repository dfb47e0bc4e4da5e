BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    Import-Module $ModulePath -Force
    $pki = Get-TestPki
    $users = $pki.users
    function UserFile([string] $Name, [string] $Extension) { Join-Path $pki.Folder "$Name$Extension" }
}

Describe 'Get-SmimeCertificate' {
    Context 'file formats' {
        It 'reads a PEM certificate and decorates it' {
            $certificate = Get-SmimeCertificate -Path (UserFile rsa2048 '.crt')
            $certificate | Should -BeOfType System.Security.Cryptography.X509Certificates.X509Certificate2
            $certificate.Thumbprint | Should -Be $users.rsa2048.thumbprint
            $certificate.Emails | Should -Be @('alice@example.com')
            $certificate.KeyLocation | Should -Be 'None'
            $certificate.Source | Should -Be (UserFile rsa2048 '.crt')
            $certificate.HasPrivateKey | Should -BeFalse
            $certificate.PSObject.TypeNames[0] | Should -Be 'SmimeTools.Certificate'
        }

        It 'reads a DER certificate' {
            (Get-SmimeCertificate -Path (UserFile rsa3072 '.cer')).Thumbprint | Should -Be $users.rsa3072.thumbprint
        }

        It 'reads every certificate of a PKCS#7 bundle' {
            $bundle = Get-SmimeCertificate -Path (Join-Path $pki.Folder 'bundle.p7b')
            $bundle | Should -HaveCount 2
            $bundle.Subject | Should -Contain ([System.Security.Cryptography.X509Certificates.X509Certificate2]::new($pki.root.certificatePath).Subject)
        }

        It 'reads a PKCS#12 identity with its private key and its chain' {
            $all = Get-SmimeCertificate -Path (UserFile rsa2048 '.p12') -Password $pki.SecurePassword
            $identity = $all | Where-Object Thumbprint -eq $users.rsa2048.thumbprint
            $identity.HasPrivateKey | Should -BeTrue
            $identity.KeyLocation | Should -Be 'File'
            # The key really is the certificate's: sign with it and verify with the public key.
            $data = [byte[]](1..32)
            $signature = [System.Security.Cryptography.X509Certificates.RSACertificateExtensions]::GetRSAPrivateKey($identity).SignData($data, 'SHA256', [System.Security.Cryptography.RSASignaturePadding]::Pkcs1)
            [System.Security.Cryptography.X509Certificates.RSACertificateExtensions]::GetRSAPublicKey($identity).VerifyData($data, $signature, 'SHA256', [System.Security.Cryptography.RSASignaturePadding]::Pkcs1) | Should -BeTrue
            ($all | Where-Object KeyLocation -eq 'None').Subject | Should -Contain ([System.Security.Cryptography.X509Certificates.X509Certificate2]::new($pki.intermediate.certificatePath).Subject)
        }

        It 'reads EC identities' {
            $identity = Get-SmimeCertificate -Path (UserFile p256 '.p12') -Password $pki.SecurePassword | Where-Object KeyLocation -eq 'File'
            [System.Security.Cryptography.X509Certificates.ECDsaCertificateExtensions]::GetECDsaPrivateKey($identity) | Should -Not -BeNullOrEmpty
            $identity.Emails | Should -Be @('carol@example.com')
        }

        It 'pairs a PEM certificate with the PEM key in the same file' {
            $combined = Join-Path $TestDrive 'alice-combined.pem'
            (Get-Content (UserFile rsa2048 '.crt') -Raw) + (Get-Content (UserFile rsa2048 '.key') -Raw) | Set-Content $combined -NoNewline
            $identity = Get-SmimeCertificate -Path $combined
            $identity.HasPrivateKey | Should -BeTrue
            $identity.KeyLocation | Should -Be 'File'
        }

        It 'opens an encrypted PEM key with the password' {
            $combined = Join-Path $TestDrive 'carol-encrypted.pem'
            (Get-Content (UserFile p256 '.crt') -Raw) + (Get-Content (UserFile p256 '.enc.key') -Raw) | Set-Content $combined -NoNewline
            (Get-SmimeCertificate -Path $combined -Password $pki.SecurePassword).HasPrivateKey | Should -BeTrue
        }

        It 'keeps an Ed25519 key .NET cannot hold, and says where it is' {
            $identity = Get-SmimeCertificate -Path (UserFile ed25519 '.p12') -Password $pki.SecurePassword | Where-Object Thumbprint -eq $users.ed25519.thumbprint
            $identity.KeyLocation | Should -Be 'File'
            $identity.CanSign | Should -BeTrue
            $identity.CanEncrypt | Should -BeFalse
        }
    }

    Context 'what a certificate is good for' {
        It '<Name>: CanSign <CanSign>, CanEncrypt <CanEncrypt>' -ForEach @(
            @{ Name = 'rsa2048'; CanSign = $true; CanEncrypt = $true }
            @{ Name = 'p384'; CanSign = $true; CanEncrypt = $true }
            @{ Name = 'x25519'; CanSign = $false; CanEncrypt = $true }
            @{ Name = 'signonly'; CanSign = $true; CanEncrypt = $false }
            @{ Name = 'wrongeku'; CanSign = $false; CanEncrypt = $false }
        ) {
            $certificate = Get-SmimeCertificate -Path (UserFile $Name '.crt')
            $certificate.CanSign | Should -Be $CanSign
            $certificate.CanEncrypt | Should -Be $CanEncrypt
        }

        It 'reports the address as the certificate spells it' {
            (Get-SmimeCertificate -Path (UserFile uppercase '.crt')).Emails | Should -Contain 'Upper.Case@Example.COM'
        }

        It 'adds the e-mail members to certificates that did not come from the module' {
            $plain = [System.Security.Cryptography.X509Certificates.X509Certificate2]::new((UserFile p384 '.cer'))
            $plain.Emails | Should -Be @('dave@example.com')
            $plain.CanSign | Should -BeTrue
        }
    }

    Context 'whether SmimeTools can use the key (HasUsableKey)' {
        It '<Name> read from PKCS#12: HasUsableKey true, .NET''s HasPrivateKey <DotNet>' -ForEach @(
            @{ Name = 'rsa2048'; DotNet = $true }
            @{ Name = 'p256'; DotNet = $true }
            @{ Name = 'ed25519'; DotNet = $false }
            @{ Name = 'x25519'; DotNet = $false }
        ) {
            $identity = Get-SmimeCertificate -Path (UserFile $Name '.p12') -Password $pki.SecurePassword | Where-Object HasUsableKey
            $identity.Thumbprint | Should -Be $users.$Name.thumbprint
            $identity.KeyLocation | Should -Be 'File'
            $identity.HasPrivateKey | Should -Be $DotNet
            # The CA certificates of the file come without keys.
            @(Get-SmimeCertificate -Path (UserFile $Name '.p12') -Password $pki.SecurePassword | Where-Object { -not $_.HasUsableKey }).KeyLocation |
                Should -Not -Contain 'File'
        }

        It 'is false for a certificate without its key, and follows .NET''s key for certificates from elsewhere' {
            (Get-SmimeCertificate -Path (UserFile ed25519 '.crt')).HasUsableKey | Should -BeFalse
            $plain = [System.Security.Cryptography.X509Certificates.X509Certificate2]::new((UserFile rsa2048 '.cer'))
            $plain.HasUsableKey | Should -BeFalse
            $withKey = [System.Security.Cryptography.X509Certificates.X509CertificateLoader]::LoadPkcs12FromFile((UserFile rsa2048 '.p12'), $pki.password)
            $withKey.HasPrivateKey | Should -BeTrue
            $withKey.HasUsableKey | Should -BeTrue
        }

        It 'says the Ed25519 identity signs, though .NET says it has no private key' {
            $erin = Get-SmimeCertificate -Path (UserFile ed25519 '.p12') -Password $pki.SecurePassword | Where-Object HasUsableKey
            $erin.HasPrivateKey | Should -BeFalse
            $result = Protect-SmimeMessage -Path $pki.sampleMessagePath -SignWith $erin -Destination (Join-Path $TestDrive 'erin-signed.eml')
            $result.Signed | Should -BeTrue
        }

        It 'is false for a DSA key read from PKCS#12 (KeyLocation File), which cannot sign here' -Skip:(-not (Get-Command openssl -ErrorAction Ignore)) {
            $folder = Join-Path $TestDrive 'dsa'
            New-Item -ItemType Directory -Path $folder | Out-Null
            $parameters = Join-Path $folder 'dsa-parameters.pem'; $key = Join-Path $folder 'dsa.key'; $certificate = Join-Path $folder 'dsa.crt'
            $p12 = Join-Path $folder 'dsa.p12'
            & openssl genpkey -genparam -algorithm DSA -pkeyopt dsa_paramgen_bits:2048 -out $parameters 2>&1 | Out-Null
            & openssl req -x509 -newkey "dsa:$parameters" -nodes -keyout $key -out $certificate -subj '/CN=Dora' -addext subjectAltName=email:dora@example.com 2>&1 | Out-Null
            $output = & openssl pkcs12 -export -in $certificate -inkey $key -passout pass:dsa-test -out $p12 2>&1
            if ($LASTEXITCODE -ne 0) { throw "openssl pkcs12 -export failed: $output" }
            $dora = Get-SmimeCertificate -Path $p12 -Password (ConvertTo-SecureString 'dsa-test' -AsPlainText -Force)
            $dora.KeyLocation | Should -Be 'File'
            $dora.HasUsableKey | Should -BeFalse
            $dora.HasPrivateKey | Should -BeFalse
            $problem = $null
            try { Protect-SmimeMessage -Path $pki.sampleMessagePath -SignWith $dora -ErrorAction Stop } catch { $problem = $_ }
            $problem.FullyQualifiedErrorId | Should -Be 'UnsupportedAlgorithm,SmimeTools.Commands.ProtectSmimeMessageCommand'
            $problem.Exception.Message | Should -BeLike '*DSA key*'
        }

        It 'comes first in the table view' {
            $table = Get-SmimeCertificate -Path (UserFile ed25519 '.p12') -Password $pki.SecurePassword | Out-String -Width 200
            $table | Should -Match 'HasUsableKey\s+Thumbprint\s+Emails'
            $table | Should -Match "True\s+$($users.ed25519.thumbprint)"
        }
    }

    Context 'paths and the pipeline' {
        It 'reads the known certificate files in a folder, and subfolders with -Recurse' {
            $folder = New-Item -ItemType Directory (Join-Path $TestDrive 'folder')
            $sub = New-Item -ItemType Directory (Join-Path $folder 'sub')
            Copy-Item (UserFile rsa2048 '.crt') $folder
            Copy-Item (UserFile rsa3072 '.crt') $sub
            Set-Content (Join-Path $folder 'notes.txt') 'not a certificate'
            (Get-SmimeCertificate -Path $folder).Thumbprint | Should -Be @($users.rsa2048.thumbprint)
            (Get-SmimeCertificate -Path $folder -Recurse).Thumbprint | Sort-Object | Should -Be (@($users.rsa2048.thumbprint, $users.rsa3072.thumbprint) | Sort-Object)
        }

        It 'expands wildcards in -Path' {
            $found = Get-SmimeCertificate -Path (Join-Path $pki.Folder 'p*.cer')
            $found.Thumbprint | Sort-Object | Should -Be (@($users.p256.thumbprint, $users.p384.thumbprint, $users.p521.thumbprint) | Sort-Object)
        }

        It 'binds files from Get-ChildItem to -LiteralPath' {
            $found = Get-ChildItem (Join-Path $pki.Folder 'rsa*.cer') | Get-SmimeCertificate
            $found.Thumbprint | Sort-Object | Should -Be (@($users.rsa2048.thumbprint, $users.rsa3072.thumbprint, $users.rsa512.thumbprint) | Sort-Object)
        }

        It 'takes -LiteralPath as written' {
            $odd = Join-Path $TestDrive 'alice[1].crt'
            Copy-Item -LiteralPath (UserFile rsa2048 '.crt') -Destination $odd
            (Get-SmimeCertificate -LiteralPath $odd).Thumbprint | Should -Be $users.rsa2048.thumbprint
        }

        It 'formats as the SmimeTools table by default' {
            $table = Get-SmimeCertificate -Path (UserFile rsa2048 '.crt') | Out-String -Width 200
            $table | Should -Match 'HasUsableKey\s+Thumbprint\s+Emails\s+NotAfter\s+Use\s+Key'
            $table | Should -Match 'alice@example.com\s+\d{4}-\d\d-\d\d\s+Sign Encrypt\s+None'
            $table | Should -Match 'alice@example.com'
        }
    }

    Context 'errors' {
        It 'says BadPassword for a wrong password and still reads the other files' {
            $wrong = ConvertTo-SecureString 'wrong' -AsPlainText -Force
            $found = Get-SmimeCertificate -Path (UserFile rsa2048 '.p12'), (UserFile rsa3072 '.crt') -Password $wrong -ErrorVariable problems -ErrorAction SilentlyContinue
            $found.Thumbprint | Should -Be @($users.rsa3072.thumbprint)
            $problems | Should -HaveCount 1
            $problems[0].FullyQualifiedErrorId | Should -BeLike 'BadPassword,*'
            $problems[0].CategoryInfo.Category | Should -Be 'AuthenticationError'
            $problems[0].TargetObject | Should -Be (UserFile rsa2048 '.p12')
        }

        It 'says BadPassword when a PKCS#12 needs a password and none is given' {
            { Get-SmimeCertificate -Path (UserFile rsa2048 '.p12') -ErrorAction Stop } | Should -Throw -ErrorId 'BadPassword,SmimeTools.Commands.GetSmimeCertificateCommand'
        }

        It 'says BadPassword for an encrypted PEM key without its password' {
            { Get-SmimeCertificate -Path (UserFile p256 '.enc.key') -ErrorAction Stop } | Should -Throw -ErrorId 'BadPassword,SmimeTools.Commands.GetSmimeCertificateCommand'
        }

        It 'says UnreadableCertificateFile for a file that is no certificate' {
            $junk = Join-Path $TestDrive 'junk.crt'
            Set-Content $junk 'hello, not a certificate'
            { Get-SmimeCertificate -Path $junk -ErrorAction Stop } | Should -Throw -ErrorId 'UnreadableCertificateFile,SmimeTools.Commands.GetSmimeCertificateCommand'
            $broken = Join-Path $TestDrive 'broken.crt'
            "-----BEGIN CERTIFICATE-----`nMIIB!!!notbase64`n-----END CERTIFICATE-----" | Set-Content $broken
            { Get-SmimeCertificate -Path $broken -ErrorAction Stop } | Should -Throw -ErrorId 'UnreadableCertificateFile,SmimeTools.Commands.GetSmimeCertificateCommand'
        }

        It 'says NoCertificateInFile for a file holding only a key' {
            { Get-SmimeCertificate -Path (UserFile rsa2048 '.key') -ErrorAction Stop } | Should -Throw -ErrorId 'NoCertificateInFile,SmimeTools.Commands.GetSmimeCertificateCommand'
        }

        It 'says PathNotFound for a path that does not exist' {
            { Get-SmimeCertificate -Path (Join-Path $TestDrive 'nothing-here.crt') -ErrorAction Stop } | Should -Throw -ErrorId 'PathNotFound,SmimeTools.Commands.GetSmimeCertificateCommand'
            { Get-SmimeCertificate -LiteralPath (Join-Path $TestDrive 'nothing-here.crt') -ErrorAction Stop } | Should -Throw -ErrorId 'PathNotFound,SmimeTools.Commands.GetSmimeCertificateCommand'
        }

        It 'says NotFileSystemPath for a path on another provider' {
            { Get-SmimeCertificate -Path 'Variable:\PSHOME' -ErrorAction Stop } | Should -Throw -ErrorId 'NotFileSystemPath,SmimeTools.Commands.GetSmimeCertificateCommand'
        }
    }
}

Describe 'Module manifest' {
    BeforeAll { $manifest = Test-ModuleManifest (Join-Path $ModulePath 'SmimeTools.psd1') }

    It 'exports cmdlets by name only' {
        $data = Import-PowerShellDataFile (Join-Path $ModulePath 'SmimeTools.psd1')
        $data.CmdletsToExport | Should -Not -Contain '*'
        $data.CmdletsToExport | Should -Contain 'Get-SmimeCertificate'
        $data.FunctionsToExport | Should -BeNullOrEmpty
    }

    It 'targets PowerShell 7.4 Core' {
        $manifest.CompatiblePSEditions | Should -Be @('Core')
        $manifest.PowerShellVersion | Should -Be ([version]'7.4')
    }

    It 'exports exactly the cmdlets the assembly defines' {
        (Get-Command -Module SmimeTools -CommandType Cmdlet).Name | Sort-Object | Should -Be (@($manifest.ExportedCmdlets.Keys) | Sort-Object)
    }
}
