# Get-SmimeCertificate's queries, certificate stores, address resolution in Protect-/Unprotect-SmimeMessage and the
# Cert: drive SmimeTools mounts where PowerShell has none. Store tests run in a child PowerShell whose HOME is a temp
# folder: .NET keeps CurrentUser stores under $HOME on Linux and macOS, so the user's own stores are never touched.

BeforeDiscovery {
    $onWindows = $IsWindows
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    Import-Module $ModulePath -Force
    $pki = Get-TestPki
    $users = $pki.users
    function UserFile([string] $Name, [string] $Extension) { Join-Path $pki.Folder "$Name$Extension" }
    $getId = 'SmimeTools.Commands.GetSmimeCertificateCommand'
    # Read once; most queries below filter these through the pipeline, which runs the same query as -Path does.
    $all = @(Get-SmimeCertificate -Path "$($pki.Folder)/*.crt")
}

Describe 'Get-SmimeCertificate queries' {
    Context '-Email' {
        It 'matches addresses without regard to case' {
            (Get-SmimeCertificate -Path (UserFile uppercase '.crt') -Email 'upper.case@example.com').Thumbprint | Should -Be $users.uppercase.thumbprint
            (Get-SmimeCertificate -Path (UserFile rsa3072 '.crt') -Email 'BOB@EXAMPLE.COM').Thumbprint | Should -Be $users.rsa3072.thumbprint
        }

        It 'matches IDN domains in Unicode and punycode, over rfc822Name and SmtpUTF8Mailbox (<Address>)' -ForEach @(
            @{ Address = 'jürgen@bücher.example' }
            @{ Address = 'JÜRGEN@BÜCHER.EXAMPLE' }
            @{ Address = 'jürgen@xn--bcher-kva.example' }
            @{ Address = 'juergen@bücher.example' }
            @{ Address = 'JUERGEN@XN--BCHER-KVA.EXAMPLE' }
        ) {
            ($all | Get-SmimeCertificate -Email $Address).Thumbprint | Should -Be $users.idn.thumbprint
        }

        It 'keeps certificates that carry any of several addresses' {
            $found = $all | Get-SmimeCertificate -Email carol@example.com, dave@example.com
            $found.Thumbprint | Sort-Object | Should -Be (@($users.p256.thumbprint, $users.p384.thumbprint) | Sort-Object)
        }

        It 'finds nothing, without an error, for an address no certificate carries' {
            Get-SmimeCertificate -Path (UserFile mismatch '.crt'), (UserFile rsa2048 '.crt') -Email mallory@example.com -ErrorVariable problems | Should -BeNullOrEmpty
            $problems | Should -BeNullOrEmpty
        }
    }

    Context '-Usage, -Valid, -At, -Thumbprint and -HasPrivateKey' {
        It 'separates Erin''s signing and encryption certificates with -Usage' {
            (Get-SmimeCertificate -Path "$($pki.Folder)/*25519.crt" -Email erin@example.com -Usage Signing).Thumbprint | Should -Be $users.ed25519.thumbprint
            ($all | Get-SmimeCertificate -Email erin@example.com -Usage Encryption).Thumbprint | Should -Be $users.x25519.thumbprint
        }

        It 'follows key usage and EKU: <Name> is <Use>' -ForEach @(
            @{ Name = 'signonly'; Use = 'Signing'; Not = 'Encryption' }
            @{ Name = 'x25519'; Use = 'Encryption'; Not = 'Signing' }
        ) {
            Get-SmimeCertificate -Path (UserFile $Name '.crt') -Usage $Use | Should -Not -BeNullOrEmpty
            Get-SmimeCertificate -Path (UserFile $Name '.crt') -Usage $Not | Should -BeNullOrEmpty
            Get-SmimeCertificate -Path (UserFile wrongeku '.crt') -Usage $Use | Should -BeNullOrEmpty
        }

        It 'leaves out expired and not yet valid certificates with -Valid' {
            $valid = ($all | Get-SmimeCertificate -Valid).Thumbprint
            $valid | Should -Not -Contain $users.expired.thumbprint
            $valid | Should -Not -Contain $users.notyetvalid.thumbprint
            $valid | Should -Contain $users.rsa2048.thumbprint
        }

        It 'checks validity at -At, which implies -Valid' {
            $lastYear = ([datetime] $users.expired.notBefore).AddDays(10)
            (Get-SmimeCertificate -Path (UserFile expired '.crt'), (UserFile rsa2048 '.crt') -At $lastYear).Thumbprint | Should -Be @($users.expired.thumbprint)
        }

        It 'finds by thumbprint, in any case and with spaces' {
            $spaced = ($users.rsa3072.thumbprint.ToLowerInvariant() -split '(..)' | Where-Object { $_ }) -join ' '
            (Get-SmimeCertificate -Path (UserFile rsa3072 '.cer'), (UserFile rsa2048 '.cer') -Thumbprint $spaced).Thumbprint | Should -Be $users.rsa3072.thumbprint
        }

        It 'keeps the identities whose key came with them with -HasPrivateKey' {
            $found = Get-SmimeCertificate -Path (UserFile rsa2048 '.p12'), (UserFile rsa3072 '.crt') -Password $pki.SecurePassword -HasPrivateKey
            $found.Thumbprint | Should -Be @($users.rsa2048.thumbprint)
        }
    }

    Context 'certificates from the pipeline' {
        It 'filters certificates piped in, keeping where they came from' {
            $found = $all | Get-SmimeCertificate -Email alice@example.com -Valid
            $found.Thumbprint | Sort-Object | Should -Be (@($users.rsa2048.thumbprint, $users.renewed.thumbprint) | Sort-Object)
            $found.Source | Should -Be @((UserFile renewed '.crt'), (UserFile rsa2048 '.crt'))
            $found[0].PSObject.TypeNames[0] | Should -Be 'SmimeTools.Certificate'
        }

        It 'takes plain X509Certificate2 objects' {
            $plain = [System.Security.Cryptography.X509Certificates.X509Certificate2]::new((UserFile p384 '.cer'))
            $found = $plain | Get-SmimeCertificate -Usage Signing
            $found.Thumbprint | Should -Be $users.p384.thumbprint
            $found.Source | Should -Be 'pipeline'
            $found.KeyLocation | Should -Be 'None'
            (Get-SmimeCertificate -Certificate $plain -Usage Signing).Thumbprint | Should -Be $users.p384.thumbprint
        }
    }

    Context 'errors' {
        It 'says InvalidStorePath for a -CertStoreLocation that names no store' {
            { Get-SmimeCertificate -CertStoreLocation 'Cert:\Nowhere' -ErrorAction Stop } | Should -Throw -ErrorId "InvalidStorePath,$getId"
        }

        It 'says InvalidStorePath in Protect-SmimeMessage before any message is touched' {
            { Protect-SmimeMessage -Path $pki.sampleMessagePath -To bob@example.com -CertStoreLocation 'C:\Windows' -ErrorAction Stop } |
                Should -Throw -ErrorId 'InvalidStorePath,SmimeTools.Commands.ProtectSmimeMessageCommand'
        }
    }
}

Describe 'Certificate stores, address resolution and the Cert: drive' {
    BeforeAll {
        # One child process does all the store work (starting PowerShell is the slow part) and reports as JSON.
        $storeHome = Join-Path $TestDrive 'home'
        New-Item -ItemType Directory $storeHome | Out-Null
        $script = {
            $ErrorActionPreference = 'Stop'
            Import-Module $Module
            $pki = Get-Content $Manifest -Raw | ConvertFrom-Json
            $byName = @{}; foreach ($u in $pki.users) { $byName[$u.name] = $u }
            $X509 = 'System.Security.Cryptography.X509Certificates'
            function Add-ToStore([string] $Store, [string] $File, [switch] $WithKey) {
                $s = New-Object "$X509.X509Store" $Store, 'CurrentUser'
                $s.Open('ReadWrite')
                $c = if ($WithKey) { New-Object "$X509.X509Certificate2" $File, $pki.password, 'Exportable,PersistKeySet' } else { New-Object "$X509.X509Certificate2" $File }
                $s.Add($c); $s.Close()
            }
            function ErrorId([scriptblock] $Block) {
                try { & $Block | Out-Null; 'none' } catch { $_.FullyQualifiedErrorId.Split(',')[0] }
            }
            $r = [ordered]@{}
            $r.HomeIsTemp = $HOME

            # Alice's identity (and Bob's) in My; Bob, Alice's renewed certificate and an expired one in AddressBook.
            Add-ToStore My $byName.rsa2048.pkcs12Path -WithKey
            Add-ToStore My $byName.rsa3072.pkcs12Path -WithKey
            Add-ToStore AddressBook $byName.rsa3072.certificatePath
            Add-ToStore AddressBook $byName.renewed.certificatePath
            Add-ToStore AddressBook $byName.expired.certificatePath
            Add-ToStore CA $pki.intermediate.certificatePath
            # Two certificates for one address, issued at the same second with different keys: a tie that matters.
            $notBefore = [datetimeoffset]::UtcNow.AddDays(-1)
            foreach ($i in 1, 2) {
                $key = [System.Security.Cryptography.ECDsa]::Create([System.Security.Cryptography.ECCurve+NamedCurves]::nistP256)
                $request = [System.Security.Cryptography.X509Certificates.CertificateRequest]::new("CN=Twin $i", $key, 'SHA256')
                $san = [System.Security.Cryptography.X509Certificates.SubjectAlternativeNameBuilder]::new(); $san.AddEmailAddress('twin@example.com')
                $request.CertificateExtensions.Add($san.Build())
                $request.CertificateExtensions.Add([System.Security.Cryptography.X509Certificates.X509KeyUsageExtension]::new('DigitalSignature, KeyAgreement', $true))
                $twin = $request.CreateSelfSigned($notBefore, $notBefore.AddYears(1))
                $s = New-Object "$X509.X509Store" 'AddressBook', 'CurrentUser'; $s.Open('ReadWrite'); $s.Add([System.Security.Cryptography.X509Certificates.X509Certificate2]::new($twin.RawData)); $s.Close()
            }

            # Get-SmimeCertificate -CertStoreLocation
            $my = @(Get-SmimeCertificate -CertStoreLocation Cert:\CurrentUser\My)
            $r.MyThumbprints = @($my.Thumbprint | Sort-Object)
            $r.MyKeyLocations = @($my.KeyLocation | ForEach-Object ToString | Sort-Object -Unique)
            $r.MySources = @($my.Source | Sort-Object -Unique)
            $r.BobInAddressBook = @(Get-SmimeCertificate -CertStoreLocation 'cert:/currentuser/addressbook' -Email BOB@example.com).Thumbprint
            $r.ValidAliceAnywhere = @(Get-SmimeCertificate -CertStoreLocation 'Cert:\CurrentUser\*' -Email alice@example.com -Valid | ForEach-Object Thumbprint | Sort-Object)
            $r.IdentitiesInMy = @(Get-SmimeCertificate -CertStoreLocation Cert:\CurrentUser\My -HasPrivateKey -Usage Signing).Count
            $r.MissingStoreCount = @(Get-SmimeCertificate -CertStoreLocation Cert:\CurrentUser\TrustedPeople).Count
            $r.LocalMachineMy = ErrorId { Get-SmimeCertificate -CertStoreLocation Cert:\LocalMachine\My }
            $r.Completions = @((TabExpansion2 'Get-SmimeCertificate -CertStoreLocation cert:\currentuser\a').CompletionMatches.CompletionText)
            $r.ProtectCompletions = @((TabExpansion2 'Protect-SmimeMessage -CertStoreLocation Cert:\CurrentUser\M').CompletionMatches.CompletionText)

            # Protect-SmimeMessage resolving -SignWith and -To from addresses, saying why with -Verbose.
            $all = Protect-SmimeMessage -Path $pki.sampleMessagePath -SignWith alice@example.com -To Bob@Example.COM -Verbose 4>&1
            $verbose = @($all | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | ForEach-Object Message)
            $sent = $all | Where-Object { $_ -isnot [System.Management.Automation.VerboseRecord] }
            $r.SentRecipients = @($sent.RecipientThumbprints | Sort-Object)
            $r.SentSigned = $sent.Signed
            $r.Verbose = @($verbose)
            $r.NewestAlice = (Protect-SmimeMessage -Path $pki.sampleMessagePath -To alice@example.com).RecipientThumbprints
            $r.OnlyMy = (Protect-SmimeMessage -Path $pki.sampleMessagePath -To alice@example.com -CertStoreLocation Cert:\CurrentUser\My).RecipientThumbprints
            $r.NoCertificate = ErrorId { Protect-SmimeMessage -Path $pki.sampleMessagePath -To nobody@example.com }
            try { Protect-SmimeMessage -Path $pki.sampleMessagePath -To nobody@example.com } catch { $r.NoCertificateMessage = $_.Exception.Message; $r.NoCertificateTarget = "$($_.TargetObject)" }
            $r.Expired = ErrorId { Protect-SmimeMessage -Path $pki.sampleMessagePath -To expired@example.com }
            try { Protect-SmimeMessage -Path $pki.sampleMessagePath -To expired@example.com } catch { $r.ExpiredMessage = $_.Exception.Message }
            $r.Twin = ErrorId { Protect-SmimeMessage -Path $pki.sampleMessagePath -To twin@example.com }
            $r.SignWithoutKey = ErrorId { Protect-SmimeMessage -Path $pki.sampleMessagePath -SignWith bob@example.com -CertStoreLocation Cert:\CurrentUser\AddressBook }
            $r.ByItemPath = @((Protect-SmimeMessage -Path $pki.sampleMessagePath -To "Cert:\CurrentUser\AddressBook\$($byName.rsa3072.thumbprint)").RecipientThumbprints)
            $r.MissingItemPath = ErrorId { Protect-SmimeMessage -Path $pki.sampleMessagePath -To 'Cert:\CurrentUser\AddressBook\0000000000000000000000000000000000000000' }
            $r.WhatIfOpensNothing = @(Protect-SmimeMessage -Path $pki.sampleMessagePath -SignWith alice@example.com -To bob@example.com -WhatIf).Count

            # Unprotect-SmimeMessage without -Identity tries the identities of Cert:\CurrentUser\My.
            $toBob = Protect-SmimeMessage -Path $pki.sampleMessagePath -To bob@example.com
            $opened = Unprotect-SmimeMessage -InputObject $toBob
            $r.OpenedBy = $opened.Layers[0].OpenedBy
            $r.OpenedByAddress = (Unprotect-SmimeMessage -InputObject $toBob -Identity bob@example.com).Layers[0].OpenedBy
            $r.NoIdentityForAddress = ErrorId { Unprotect-SmimeMessage -InputObject $toBob -Identity carol@example.com }
            $r.NoIdentityInStore = ErrorId { Unprotect-SmimeMessage -InputObject $toBob -CertStoreLocation Cert:\CurrentUser\AddressBook }
            # Only Bob's certificate (no key) is at hand: the error says the message is his.
            $r.NoKeyNamesAddress = try { Unprotect-SmimeMessage -InputObject $toBob -Identity (Get-SmimeCertificate -Path $byName.p256.pkcs12Path -Password (ConvertTo-SecureString $pki.password -AsPlainText -Force)) -ErrorAction Stop | Out-Null; 'none' } catch { $_.Exception.Message }

            # The Cert: drive.
            $r.DriveProvider = (Get-PSDrive Cert).Provider.Name
            $r.Locations = @((Get-ChildItem Cert:\).PSChildName)
            $r.Stores = @((Get-ChildItem Cert:\CurrentUser).PSChildName)
            $listed = @(Get-ChildItem Cert:\CurrentUser\My)
            $r.Listed = @($listed.Thumbprint | Sort-Object)
            $r.ListedType = $listed[0].PSObject.TypeNames[0]
            $r.ListedSource = $listed[0].Source
            $r.ListedKey = "$($listed[0].KeyLocation)"
            $r.ListedEmails = @($listed.Emails | Sort-Object)
            $r.Piped = @(Get-ChildItem Cert:\CurrentUser\My | Get-SmimeCertificate -Email bob@example.com | ForEach-Object { "$($_.Thumbprint) $($_.KeyLocation) $($_.Source)" })
            $r.Recursed = @(Get-ChildItem Cert:\CurrentUser -Recurse | Where-Object { $_ -is [System.Security.Cryptography.X509Certificates.X509Certificate2] }).Count
            Set-Location Cert:\CurrentUser\AddressBook
            $r.RelativeListing = @(Get-ChildItem).Count
            $r.Location = "$(Get-Location)"
            Set-Location $HOME
            $expired = "Cert:\CurrentUser\AddressBook\$($byName.expired.thumbprint)"
            $r.ExistsBefore = Test-Path $expired
            Remove-Item $expired -WhatIf
            $r.ExistsAfterWhatIf = Test-Path $expired
            Remove-Item $expired
            $r.ExistsAfterRemove = Test-Path $expired
            $s = New-Object "$X509.X509Store" 'AddressBook', 'CurrentUser'; $s.Open('ReadOnly')
            $r.StoreAfterRemove = @($s.Certificates.Thumbprint) -contains $byName.expired.thumbprint; $s.Close()
            $r.RemoveStore = ErrorId { Remove-Item Cert:\CurrentUser\AddressBook -Recurse -Force }
            $r.MissingItem = ErrorId { Get-Item Cert:\CurrentUser\My\0000000000000000000000000000000000000000 }
            Remove-Module SmimeTools
            $r.DriveAfterRemove = [bool](Get-PSDrive Cert -ErrorAction SilentlyContinue)
            $r | ConvertTo-Json -Depth 4
        }
        $result = if ($IsWindows) { $null } else {
            Invoke-ChildPwsh -Script $script.ToString() -Arguments @{ Module = $ModulePath; Manifest = $env:SMIMETOOLS_TEST_PKI } -Environment @{ HOME = $storeHome }
        }
    }

    Context 'Get-SmimeCertificate -CertStoreLocation' -Skip:$onWindows {
        It 'works in the test''s own HOME, never the user''s' {
            $result.HomeIsTemp | Should -Be $storeHome
            Join-Path $storeHome '.dotnet/corefx/cryptography/x509stores/my' | Should -Exist
        }

        It 'lists a store, with KeyLocation Store and the store as Source' {
            $result.MyThumbprints | Should -Be (@($users.rsa2048.thumbprint, $users.rsa3072.thumbprint) | Sort-Object)
            $result.MyKeyLocations | Should -Be @('Store')
            $result.MySources | Should -Be @('Cert:\CurrentUser\My')
        }

        It 'queries a store by address, with any spelling of the store path' {
            $result.BobInAddressBook | Should -Be $users.rsa3072.thumbprint
        }

        It 'searches every store a wildcard names' {
            $result.ValidAliceAnywhere | Should -Be (@($users.rsa2048.thumbprint, $users.renewed.thumbprint) | Sort-Object)
        }

        It 'combines the query parameters with stores' {
            $result.IdentitiesInMy | Should -Be 2
        }

        It 'reads a store that does not exist yet as empty' {
            $result.MissingStoreCount | Should -Be 0
        }

        It 'says StoreUnavailable for a store the OS will not open' {
            $result.LocalMachineMy | Should -Be 'StoreUnavailable'
        }

        It 'completes store paths' {
            $result.Completions | Should -Contain 'Cert:\CurrentUser\AddressBook'
            $result.Completions | Should -Not -Contain 'Cert:\CurrentUser\My'
            $result.ProtectCompletions | Should -Contain 'Cert:\CurrentUser\My'
        }
    }

    Context 'Protect-SmimeMessage and Unprotect-SmimeMessage with addresses' -Skip:$onWindows {
        It 'signs as alice@example.com with her key from My and encrypts to Bob from AddressBook' {
            $result.SentSigned | Should -BeTrue
            $result.SentRecipients | Should -Be (@($users.rsa2048.thumbprint, $users.rsa3072.thumbprint) | Sort-Object)
        }

        It 'says with -Verbose why each certificate was chosen' {
            ($result.Verbose | Where-Object { $_ -like "Chose $($users.rsa2048.thumbprint)*to sign as alice@example.com*private key is in the store*" }) | Should -Not -BeNullOrEmpty
            ($result.Verbose | Where-Object { $_ -like "Rejected $($users.renewed.thumbprint)*private key is not at hand*" }) | Should -Not -BeNullOrEmpty
            ($result.Verbose | Where-Object { $_ -like "Chose $($users.rsa3072.thumbprint)*to encrypt to Bob@Example.COM*" }) | Should -Not -BeNullOrEmpty
        }

        It 'encrypts to the newest valid certificate of an address' {
            $result.NewestAlice | Should -Be @($users.renewed.thumbprint)
            $result.OnlyMy | Should -Be @($users.rsa2048.thumbprint)
        }

        It 'says NoMatchingCertificate, naming the address and the stores searched' {
            $result.NoCertificate | Should -Be 'NoMatchingCertificate'
            $result.NoCertificateTarget | Should -Be 'nobody@example.com'
            $result.NoCertificateMessage | Should -BeLike '*nobody@example.com*Cert:\CurrentUser\AddressBook and Cert:\CurrentUser\My*'
        }

        It 'says why the candidates were rejected' {
            $result.Expired | Should -Be 'NoMatchingCertificate'
            $result.ExpiredMessage | Should -BeLike "*$($users.expired.thumbprint)*expired on*"
        }

        It 'says AmbiguousCertificate for two certificates alike but for their keys' {
            $result.Twin | Should -Be 'AmbiguousCertificate'
        }

        It 'does not sign with a certificate whose key is not at hand' {
            $result.SignWithoutKey | Should -Be 'NoMatchingCertificate'
        }

        It 'takes Cert: drive item paths as certificates' {
            $result.ByItemPath | Should -Be @($users.rsa3072.thumbprint)
            $result.MissingItemPath | Should -Be 'NoMatchingCertificate'
        }

        It 'resolves addresses under -WhatIf without protecting anything' {
            $result.WhatIfOpensNothing | Should -Be 0
        }

        It 'opens a message with the identities of My when no -Identity is given' {
            $result.OpenedBy | Should -BeLike '*CN=Bob Example*'
            $result.OpenedByAddress | Should -BeLike '*CN=Bob Example*'
        }

        It 'says NoMatchingCertificate for an -Identity address without an identity, and NoDecryptionKey when no store identity fits' {
            $result.NoIdentityForAddress | Should -Be 'NoMatchingCertificate'
            $result.NoIdentityInStore | Should -Be 'NoDecryptionKey'
        }

        It 'names the address a store knows for each recipient in NoDecryptionKey' {
            $result.NoKeyNamesAddress | Should -Match 'encrypted to 1 recipient: bob@example\.com \('
        }
    }

    Context 'The Cert: drive on Linux and macOS' -Skip:$onWindows {
        It 'is mounted by the module''s SmimeCertificate provider' {
            $result.DriveProvider | Should -Be 'SmimeCertificate'
        }

        It 'lists locations, stores and certificates' {
            $result.Locations | Should -Be @('CurrentUser', 'LocalMachine')
            $result.Stores | Should -Contain 'My'
            $result.Stores | Should -Contain 'AddressBook'
            $result.Listed | Should -Be (@($users.rsa2048.thumbprint, $users.rsa3072.thumbprint) | Sort-Object)
            $result.ListedEmails | Should -Be @('alice@example.com', 'bob@example.com')
        }

        It 'writes certificates as Get-SmimeCertificate does' {
            $result.ListedType | Should -Be 'SmimeTools.Certificate'
            $result.ListedSource | Should -Be 'Cert:\CurrentUser\My'
            $result.ListedKey | Should -Be 'Store'
        }

        It 'pipes into Get-SmimeCertificate' {
            $result.Piped | Should -Be @("$($users.rsa3072.thumbprint) Store Cert:\CurrentUser\My")
        }

        It 'recurses, and works with relative paths' {
            $result.Recursed | Should -BeGreaterOrEqual 8
            $result.RelativeListing | Should -Be 5
            $result.Location | Should -Match '^Cert:[\\/]CurrentUser[\\/]AddressBook$'
        }

        It 'removes a certificate with Remove-Item, and not under -WhatIf' {
            $result.ExistsBefore | Should -BeTrue
            $result.ExistsAfterWhatIf | Should -BeTrue
            $result.ExistsAfterRemove | Should -BeFalse
            $result.StoreAfterRemove | Should -BeFalse
        }

        It 'refuses to remove a store, and says when a certificate does not exist' {
            $result.RemoveStore | Should -Be 'UnsupportedDriveOperation'
            $result.MissingItem | Should -Be 'PathNotFound'
        }

        It 'goes away with the module' {
            $result.DriveAfterRemove | Should -BeFalse
        }
    }
}
