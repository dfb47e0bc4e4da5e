# Directories: Get-SmimeCertificate -Directory, New-SmimeDirectory, Publish-SmimeCertificate, Protect-SmimeMessage -To
# through a directory, against a real OpenLDAP slapd the tests start on 127.0.0.1 and stop afterwards.
BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    . (Join-Path $PSScriptRoot 'TestDirectory.ps1')
    $skipReason = Get-TestDirectorySkipReason
    $noDirectory = [bool] $skipReason
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    . (Join-Path $PSScriptRoot 'TestDirectory.ps1')
    Import-Module $ModulePath -Force
    $pki = Get-TestPki
    if (-not (Get-TestDirectorySkipReason)) {
        $dir = Start-TestDirectory -PkiFolder $pki.Folder -WorkFolder (Join-Path $TestDrive 'slapd')
        $root = Join-Path $pki.Folder 'root.crt'
        $tls = New-SmimeDirectory $dir.ldapsUri -TrustedRoot $root
    }

    $getId = 'SmimeTools.Commands.GetSmimeCertificateCommand'
    $publishId = 'SmimeTools.Commands.PublishSmimeCertificateCommand'
}

AfterAll {
    Stop-TestDirectory $dir
}

Describe 'Get-SmimeCertificate -Directory' -Skip:$noDirectory {
    It 'returns every certificate of the entry, its Source the directory URI' {
        $found = @(Get-SmimeCertificate -Directory $dir.ldapUri -Email alice@example.com)
        $found.Thumbprint | Sort-Object | Should -Be (@($pki.users.rsa2048.thumbprint, $pki.users.renewed.thumbprint) | Sort-Object)
        $found.Source | Sort-Object -Unique | Should -Be "ldap://127.0.0.1:$($dir.ldapPort)/ou=people,dc=example,dc=com"
        $found.KeyLocation | Sort-Object -Unique | Should -Be 'None'
    }

    It 'reads userSMIMECertificate (PKCS#7) and finds entries by proxyAddresses' {
        (Get-SmimeCertificate -Directory $dir.ldapUri -Email bob@example.com).Thumbprint | Should -Be $pki.users.rsa3072.thumbprint
        (Get-SmimeCertificate -Directory $dir.ldapUri -Email carol@example.com).Thumbprint | Should -Be $pki.users.p256.thumbprint
    }

    It 'filters what the directory returns with -Valid and -Usage' {
        @(Get-SmimeCertificate -Directory $dir.ldapUri -Email expired@example.com).Count | Should -Be 1
        @(Get-SmimeCertificate -Directory $dir.ldapUri -Email expired@example.com -Valid).Count | Should -Be 0
    }

    It 'lists every certificate below the base DN, up to -SizeLimit' {
        @(Get-SmimeCertificate -Directory $dir.ldapUri).Count | Should -Be 5
        @(Get-SmimeCertificate -Directory $dir.ldapUri -SizeLimit 1 -Verbose 4>&1 | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] -and $_.Message -like '*cut short*' }).Count | Should -BeGreaterThan 0
    }

    It 'reports <Address> as <ErrorId> and carries on' -ForEach @(
        @{ Address = 'nocert@example.com'; ErrorId = 'DirectoryEntryWithoutCertificate' }
        @{ Address = 'nobody@example.com'; ErrorId = 'DirectoryEntryNotFound' }
    ) {
        $found = @(Get-SmimeCertificate -Directory $dir.ldapUri -Email $Address, bob@example.com -ErrorAction SilentlyContinue -ErrorVariable problems)
        $found.Count | Should -Be 1
        $problems.Count | Should -Be 1
        $problems[0].FullyQualifiedErrorId | Should -BeLike "$ErrorId,*"
        $problems[0].TargetObject | Should -Be $Address
        $problems[0].Exception.Message | Should -BeLike "*$($dir.ldapPort)*"
        { Get-SmimeCertificate -Directory $dir.ldapUri -Email $Address -ErrorAction Stop } | Should -Throw -ErrorId "$ErrorId,$getId"
    }

    It 'talks ldaps:// and StartTLS with the CA given, binds with and without credentials' {
        (Get-SmimeCertificate -Directory $tls -Email bob@example.com).Thumbprint | Should -Be $pki.users.rsa3072.thumbprint
        (Get-SmimeCertificate -Directory $dir.ldapUri -StartTls -DirectoryTrustedRoot $root -Credential $dir.AdminCredential -Email bob@example.com).Thumbprint |
            Should -Be $pki.users.rsa3072.thumbprint
        (Get-SmimeCertificate -Directory $tls -Credential $dir.AdminCredential -Email bob@example.com).Thumbprint | Should -Be $pki.users.rsa3072.thumbprint
    }

    It 'refuses with a distinct error: <Case>' -ForEach @(
        @{ Case = 'an untrusted TLS certificate'; ErrorId = 'DirectoryTlsFailed'; Run = { Get-SmimeCertificate -Directory $dir.ldapsUri -Email bob@example.com -ErrorAction Stop } }
        @{ Case = 'a wrong password'; ErrorId = 'DirectoryBindFailed'; Run = {
                $bad = [pscredential]::new($dir.adminDn, (ConvertTo-SecureString 'wrong' -AsPlainText -Force))
                Get-SmimeCertificate -Directory $tls -Credential $bad -Email bob@example.com -ErrorAction Stop } }
        @{ Case = 'a password over plain LDAP'; ErrorId = 'DirectoryBindNotEncrypted'; Run = { Get-SmimeCertificate -Directory $dir.ldapUri -Credential $dir.AdminCredential -Email bob@example.com -ErrorAction Stop } }
        @{ Case = 'a server that is not there'; ErrorId = 'DirectoryUnavailable'; Run = {
                $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0); $listener.Start(); $port = $listener.LocalEndpoint.Port; $listener.Stop()
                Get-SmimeCertificate -Directory "ldap://127.0.0.1:$port/dc=example,dc=com" -Email bob@example.com -ErrorAction Stop } }
        @{ Case = 'a server that never answers'; ErrorId = 'DirectoryTimeout'; Run = {
                $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0); $listener.Start()
                try { Get-SmimeCertificate -Directory "ldap://127.0.0.1:$($listener.LocalEndpoint.Port)/" -TimeoutSec 1 -Email bob@example.com -ErrorAction Stop } finally { $listener.Stop() } } }
        @{ Case = 'a URI that is no directory'; ErrorId = 'InvalidDirectoryUri'; Run = { Get-SmimeCertificate -Directory 'https://ldap.example.com/' -Email bob@example.com } }
    ) {
        { & $Run } | Should -Throw -ErrorId "$ErrorId,$getId"
    }

    It 'stops at -MaximumDirectoryReplySize and -MaximumDirectoryResultSize, also when New-SmimeDirectory carries them' {
        { Get-SmimeCertificate -Directory $dir.ldapUri -Email alice@example.com -MaximumDirectoryReplySize 100 -ErrorAction Stop } |
            Should -Throw -ErrorId "DirectoryReplyTooLarge,$getId"
        { Get-SmimeCertificate -Directory $dir.ldapUri -Email alice@example.com -MaximumDirectoryResultSize 100 -ErrorAction Stop } |
            Should -Throw -ErrorId "DirectoryResultTooLarge,$getId"
        $small = New-SmimeDirectory $dir.ldapUri -MaximumDirectoryReplySize 100
        $small.MaximumDirectoryReplySize | Should -Be 100
        { Get-SmimeCertificate -Directory $small -Email alice@example.com -ErrorAction Stop } | Should -Throw -ErrorId "DirectoryReplyTooLarge,$getId"
        @(Get-SmimeCertificate -Directory $small -Email alice@example.com -MaximumDirectoryReplySize 1MB).Count | Should -Be 2
    }
}

Describe 'Publish-SmimeCertificate' -Skip:$noDirectory {
    It 'changes nothing with -WhatIf, then adds, then leaves a copy that is there' {
        $certificate = Get-SmimeCertificate -Path $pki.users.ed25519.certificatePath
        $certificate | Publish-SmimeCertificate -Directory $tls -Credential $dir.AdminCredential -WhatIf | Should -BeNullOrEmpty
        { Get-SmimeCertificate -Directory $dir.ldapUri -Email erin@example.com -ErrorAction Stop } | Should -Throw -ErrorId "DirectoryEntryWithoutCertificate,$getId"

        $added = $certificate | Publish-SmimeCertificate -Directory $tls -Credential $dir.AdminCredential
        $added.Action | Should -Be 'Added'
        $added.DistinguishedName | Should -Be 'uid=erin,ou=people,dc=example,dc=com'
        (Get-SmimeCertificate -Directory $dir.ldapUri -Email erin@example.com).Thumbprint | Should -Be $pki.users.ed25519.thumbprint

        ($certificate | Publish-SmimeCertificate -Directory $tls -Credential $dir.AdminCredential -Email erin@example.com).Action | Should -Be 'AlreadyPresent'
    }

    It 'replaces the entry''s certificates with -Replace' {
        $renewal = Get-SmimeCertificate -Path $pki.users.x25519.certificatePath
        $result = $renewal | Publish-SmimeCertificate -Directory $dir.ldapUri -StartTls -DirectoryTrustedRoot $root -Credential $dir.AdminCredential -Email erin@example.com -Replace
        $result.Action | Should -Be 'Replaced'
        (Get-SmimeCertificate -Directory $dir.ldapUri -Email erin@example.com).Thumbprint | Should -Be $pki.users.x25519.thumbprint
    }

    It 'finds the entry by the certificate''s own address, and refuses <Case>' -ForEach @(
        @{ Case = 'two entries with the address'; Email = 'twins@example.com'; ErrorId = 'DirectoryEntryAmbiguous' }
        @{ Case = 'no entry'; Email = 'nobody@example.com'; ErrorId = 'DirectoryEntryNotFound' }
    ) {
        $certificate = Get-SmimeCertificate -Path $pki.users.rsa2048.certificatePath
        { $certificate | Publish-SmimeCertificate -Directory $tls -Credential $dir.AdminCredential -Email $Email -ErrorAction Stop } | Should -Throw -ErrorId "$ErrorId,$publishId"
    }

    It 'needs the right to write: anonymous is refused by the server' {
        $certificate = Get-SmimeCertificate -Path $pki.users.rsa2048.certificatePath
        { $certificate | Publish-SmimeCertificate -Directory $tls -Email nocert@example.com -ErrorAction Stop } | Should -Throw -ErrorId "DirectoryOperationFailed,$publishId"
    }
}

Describe 'Protect-SmimeMessage -To through a directory' -Skip:($noDirectory -or $IsWindows) {
    It 'refuses a -Directory that is no directory URI even when no address needs it' {
        { Protect-SmimeMessage -Path $pki.sampleMessagePath -To $pki.users.rsa3072.certificatePath -Directory 'https://ldap.example.com/' } |
            Should -Throw -ErrorId 'InvalidDirectoryUri,SmimeTools.Commands.ProtectSmimeMessageCommand'
    }

    It 'looks in the stores first, then the directory' {
        $storeHome = Join-Path $TestDrive 'home'
        New-Item -ItemType Directory -Force $storeHome | Out-Null
        $script = {
            $ErrorActionPreference = 'Stop'
            Import-Module $Module
            $r = [ordered]@{}
            Get-SmimeCertificate -Path $AliceOld | Import-SmimeCertificate | Out-Null
            $directory = New-SmimeDirectory $Uri -TrustedRoot $Root
            $r.Alice = (Protect-SmimeMessage -Path $Message -To alice@example.com -Directory $directory).RecipientThumbprints
            $r.Carol = (Protect-SmimeMessage -Path $Message -To carol@example.com -Directory $directory).RecipientThumbprints
            $PSDefaultParameterValues['Protect-SmimeMessage:Directory'] = $directory
            $r.Bob = (Protect-SmimeMessage -Path $Message -To bob@example.com).RecipientThumbprints
            try { Protect-SmimeMessage -Path $Message -To expired@example.com } catch { $r.Expired = $_.FullyQualifiedErrorId.Split(',')[0]; $r.ExpiredMessage = $_.Exception.Message }
            try { Protect-SmimeMessage -Path $Message -To nocert@example.com } catch { $r.NoCert = $_.FullyQualifiedErrorId.Split(',')[0]; $r.NoCertMessage = $_.Exception.Message }
            try { Protect-SmimeMessage -Path $Message -To bob@example.com -Directory 'ldap://127.0.0.1:1/' } catch { $r.Down = $_.FullyQualifiedErrorId.Split(',')[0] }
            $r | ConvertTo-Json -Depth 3
        }
        $result = Invoke-ChildPwsh -Script $script.ToString() -Environment @{ HOME = $storeHome } -Arguments @{
            Module = $ModulePath; AliceOld = $pki.users.rsa2048.certificatePath; Uri = $dir.ldapsUri; Root = $root; Message = $pki.sampleMessagePath
        }
        $result.Alice | Should -Be $pki.users.rsa2048.thumbprint -Because 'the store has alice; the directory''s newer certificate is not asked for'
        $result.Carol | Should -Be $pki.users.p256.thumbprint
        $result.Bob | Should -Be $pki.users.rsa3072.thumbprint -Because '$PSDefaultParameterValues configures the directory once'
        $result.Expired | Should -Be 'NoMatchingCertificate'
        $result.ExpiredMessage | Should -BeLike '*expired on*'
        $result.NoCert | Should -Be 'NoMatchingCertificate'
        $result.NoCertMessage | Should -BeLike '*uid=nocert*'
        $result.Down | Should -Be 'DirectoryUnavailable'
    }
}

Describe 'Test-SmimeSignature -Revocation Online with an ldap:// CRL distribution point' -Skip:$noDirectory {
    It 'reads the CRL from the directory' {
        $x509 = 'System.Security.Cryptography.X509Certificates'
        $issuer = [System.Security.Cryptography.X509Certificates.X509Certificate2]::CreateFromPemFile($pki.intermediate.certificatePath, $pki.intermediate.privateKeyPath)
        $key = [System.Security.Cryptography.RSA]::Create(2048)
        $request = New-Object "$x509.CertificateRequest" 'CN=LDAP CRL Signer, O=SmimeTools Test', $key, 'SHA256', ([System.Security.Cryptography.RSASignaturePadding]::Pkcs1)
        $names = New-Object "$x509.SubjectAlternativeNameBuilder"
        $names.AddEmailAddress('alice@example.com') # the sample message is from Alice
        $request.CertificateExtensions.Add($names.Build())
        $request.CertificateExtensions.Add((New-Object "$x509.X509KeyUsageExtension" 'DigitalSignature, KeyEncipherment', $true))
        $purposes = [System.Security.Cryptography.OidCollection]::new(); [void] $purposes.Add([System.Security.Cryptography.Oid]::new('1.3.6.1.5.5.7.3.4'))
        $request.CertificateExtensions.Add((New-Object "$x509.X509EnhancedKeyUsageExtension" $purposes, $false))
        $request.CertificateExtensions.Add([System.Security.Cryptography.X509Certificates.X509AuthorityKeyIdentifierExtension]::CreateFromCertificate($issuer, $true, $false))
        $request.CertificateExtensions.Add([System.Security.Cryptography.X509Certificates.CertificateRevocationListBuilder]::BuildCrlDistributionPointExtension([string[]] @($dir.crlUri)))
        $serial = [byte[]] (1..16 | ForEach-Object { Get-Random -Minimum 1 -Maximum 127 })
        $certificate = $request.Create($issuer, [datetimeoffset]::UtcNow.AddHours(-1), [datetimeoffset]::UtcNow.AddDays(30), $serial)
        $signer = [System.Security.Cryptography.X509Certificates.RSACertificateExtensions]::CopyWithPrivateKey($certificate, $key)

        $message = Join-Path $TestDrive 'ldap-crl.eml'
        Protect-SmimeMessage -Path $pki.sampleMessagePath -SignWith $signer -ExtraCertificate (Get-SmimeCertificate -Path $pki.intermediate.certificatePath) -Destination $message | Out-Null
        $result = Test-SmimeSignature -Path $message -TrustedRoot $root -Crl $pki.root.crlDerPath -Revocation Online -NoSystemTrust
        $result.Problems | Where-Object IsError | ForEach-Object { $_.ToString() } | Should -BeNullOrEmpty
        $fetched = @($result.RevocationChecks | Where-Object FetchedOnline)
        $fetched.Count | Should -Be 1
        $fetched[0].Status | Should -Be 'Good'
        $fetched[0].Source | Should -BeLike "*ldap://127.0.0.1:$($dir.ldapPort)/*"

        # Offline, the same CRL point is not asked.
        @((Test-SmimeSignature -Path $message -TrustedRoot $root -Crl $pki.root.crlDerPath -NoSystemTrust).RevocationChecks | Where-Object FetchedOnline).Count | Should -Be 0
    }
}
