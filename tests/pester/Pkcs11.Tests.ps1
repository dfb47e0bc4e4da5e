# PKCS#11 tokens through the real cmdlets: a SoftHSM2 token initialised here in TestDrive (SOFTHSM2_CONF points at
# a temp configuration), identities written onto it, listed, used to sign and decrypt, checked against openssl cms;
# enrolment with a key generated on the token; the errors users meet; and an NSS profile read through softokn.
BeforeDiscovery {
    $script:softHsmLibrary = @('/usr/lib/softhsm/libsofthsm2.so', '/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so',
        '/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so', '/usr/local/lib/softhsm/libsofthsm2.so', '/opt/homebrew/lib/softhsm/libsofthsm2.so') |
        Where-Object { Test-Path $_ } | Select-Object -First 1
    $script:noSoftHsm = -not $softHsmLibrary -or -not (Get-Command softhsm2-util -ErrorAction Ignore)
    $script:noOpenSsl = -not (Get-Command openssl -ErrorAction Ignore)
    $script:noNss = -not (Get-Command certutil -ErrorAction Ignore) -or -not (Get-Command pk12util -ErrorAction Ignore) -or
        -not (@('/usr/lib/x86_64-linux-gnu/libsoftokn3.so', '/usr/lib/aarch64-linux-gnu/libsoftokn3.so', '/usr/lib64/libsoftokn3.so', '/usr/lib/libsoftokn3.so') | Where-Object { Test-Path $_ })
    # Whether this host could show a PIN prompt (build.ps1 runs Pester -NonInteractive, where nobody can answer one).
    $script:canPrompt = -not ([Environment]::GetCommandLineArgs() | Where-Object { $_ -like '-NonI*' })
    if ($noSoftHsm) { Write-Warning 'SoftHSM2 is not installed (apt-get install softhsm2): the token tests are skipped.' }
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    # A library another test file started keeps its configuration until the module is removed.
    Remove-Module SmimeTools -ErrorAction Ignore
    Import-Module $ModulePath -Force
    $pki = Get-TestPki
    $users = $pki.users
    $message = $pki.sampleMessagePath
    $library = $softHsmLibrary
    $pin = ConvertTo-SecureString '123456' -AsPlainText -Force
    $wrongPin = ConvertTo-SecureString '999999' -AsPlainText -Force
    $label = 'pester-token'
    function Invoke-OpenSsl {
        $output = & openssl @args 2>&1
        if ($LASTEXITCODE -ne 0) { throw "openssl $($args -join ' ') failed: $($output -join "`n")" }
        $output -join "`n"
    }
    function Get-LoadedTokenLibraries {
        # The engine's own view: is any PKCS#11 library still loaded?
        $engine = [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq 'SmimeTools.Engine' } | Select-Object -First 1
        if (-not $engine) { return $false }
        $engine.GetType('SmimeTools.Engine.Tokens.TokenLibrary').GetProperty('AnyLoaded').GetValue($null)
    }
    function Get-OpenTokenSessions {
        # The engine's own count of the sessions this process has open on tokens.
        $engine = [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq 'SmimeTools.Engine' } | Select-Object -First 1
        if (-not $engine) { return 0 }
        $engine.GetType('SmimeTools.Engine.Tokens.TokenLibrary').GetProperty('OpenSessions').GetValue($null)
    }
    if ($library) {
        # Not in TestDrive: Pester removes what a Context created there when it ends, token objects included.
        $softHsmFolder = Join-Path ([IO.Path]::GetTempPath()) ('smimetools-pester-softhsm-' + [guid]::NewGuid().ToString('n').Substring(0, 8))
        $tokenFolder = New-Item -ItemType Directory (Join-Path $softHsmFolder 'tokens')
        $env:SOFTHSM2_CONF = Join-Path $softHsmFolder 'softhsm2.conf'
        Set-Content -Path $env:SOFTHSM2_CONF -Value "directories.tokendir = $($tokenFolder.FullName)`nobjectstore.backend = file`nlog.level = ERROR`n"
        if (Get-Command softhsm2-util -ErrorAction Ignore) {
            & softhsm2-util --init-token --free --label $label --so-pin 12345678 --pin 123456 | Out-Null
        }
    }
}

AfterAll {
    Remove-Module SmimeTools -ErrorAction Ignore
    Remove-Item Env:SOFTHSM2_CONF -ErrorAction Ignore
    if ($softHsmFolder) { Remove-Item $softHsmFolder -Recurse -Force -ErrorAction Ignore }
}

Describe 'PKCS#11 tokens (SoftHSM2)' -Skip:$noSoftHsm {
    Context 'Import-SmimeIdentity -Pkcs11Module' {
        It 'with -WhatIf writes nothing and never logs in (a wrong PIN goes unnoticed)' {
            Import-SmimeIdentity -Path $users.rsa2048.pkcs12Path -Password $pki.SecurePassword -Pkcs11Module $library -Token $label -Pin $wrongPin -WhatIf |
                Should -BeNullOrEmpty
            Get-SmimeCertificate -Pkcs11Module $library -Token $label | Should -BeNullOrEmpty
        }

        It 'writes the RSA and EC identities with non-exportable keys' {
            $records = Import-SmimeIdentity -Path $users.rsa2048.pkcs12Path, $users.p256.pkcs12Path -Password $pki.SecurePassword -Pkcs11Module $library -Token $label -Pin $pin
            $records | Should -HaveCount 2
            $records.Format | Should -Be @('Token', 'Token')
            $records.Exportable | Should -Be @($false, $false)
            $records[0].Store | Should -BeLike "pkcs11:token=$label;*"
        }

        It 'refuses to write the same key twice' {
            { Import-SmimeIdentity -Path $users.rsa2048.pkcs12Path -Password $pki.SecurePassword -Pkcs11Module $library -Token $label -Pin $pin -ErrorAction Stop } |
                Should -Throw -ErrorId 'DestinationExists,SmimeTools.Commands.ImportSmimeIdentityCommand'
        }

        It 'says a wrong PIN is TokenLoginFailed' {
            { Import-SmimeIdentity -Path $users.rsa3072.pkcs12Path -Password $pki.SecurePassword -Pkcs11Module $library -Token $label -Pin $wrongPin } |
                Should -Throw -ErrorId 'TokenLoginFailed,SmimeTools.Commands.ImportSmimeIdentityCommand'
        }
    }

    Context 'Get-SmimeCertificate -Pkcs11Module' {
        It 'lists the certificates; those with a key of the same CKA_ID are Token identities' {
            $all = Get-SmimeCertificate -Pkcs11Module $library -Token $label -Pin $pin
            $identities = $all | Where-Object KeyLocation -eq 'Token'
            $identities.Thumbprint | Should -Contain $users.rsa2048.thumbprint
            $identities.Thumbprint | Should -Contain $users.p256.thumbprint
            ($all | Where-Object Thumbprint -eq $pki.intermediate.thumbprint).KeyLocation | Should -Be 'None'
            $all[0].Source | Should -BeLike 'pkcs11:token=*;id=*?module-path=*'
            $all[0].HasPrivateKey | Should -BeFalse -Because 'the key never leaves the token'
        }

        It 'finds identities by address and -HasPrivateKey, without a PIN too' {
            $found = Get-SmimeCertificate -Pkcs11Module $library -Email alice@example.com -HasPrivateKey
            $found.Thumbprint | Should -Be $users.rsa2048.thumbprint
            $found.KeyLocation | Should -Be 'Token'
        }

        It 'takes a pkcs11: URI, from -Pkcs11Uri or -Pkcs11Module' {
            $source = (Get-SmimeCertificate -Pkcs11Module $library -Token $label -Email alice@example.com).Source
            (Get-SmimeCertificate -Pkcs11Uri $source).Thumbprint | Should -Be $users.rsa2048.thumbprint
            (Get-SmimeCertificate -Pkcs11Module $source).Thumbprint | Should -Be $users.rsa2048.thumbprint
        }

        It 'gives <ErrorId> for <Case>' -ForEach @(
            @{ Case = 'a missing library'; ErrorId = 'Pkcs11ModuleNotFound'; Arguments = @{ Pkcs11Module = '/nonexistent/libpkcs11.so' } }
            @{ Case = 'an absent token'; ErrorId = 'TokenNotFound'; Arguments = @{ Pkcs11Module = 'SOFTHSM'; Token = 'no-such-token' } }
            @{ Case = 'a wrong PIN'; ErrorId = 'TokenLoginFailed'; Arguments = @{ Pkcs11Module = 'SOFTHSM'; Token = 'pester-token'; Pin = 'WRONG' } }
            @{ Case = 'a malformed URI'; ErrorId = 'InvalidPkcs11Uri'; Arguments = @{ Pkcs11Uri = 'pkcs11:token=a;colour=blue' } }
        ) {
            $given = @{}
            foreach ($pair in $Arguments.GetEnumerator()) {
                $given[$pair.Key] = switch ($pair.Value) { 'SOFTHSM' { $library } 'WRONG' { $wrongPin } default { $_ } }
            }
            { Get-SmimeCertificate @given } | Should -Throw -ErrorId "$ErrorId,SmimeTools.Commands.GetSmimeCertificateCommand"
        }
    }

    Context 'signing and decrypting on the token' {
        BeforeAll {
            $alice = Get-SmimeCertificate -Pkcs11Module $library -Token $label -Pin $pin -Email alice@example.com -HasPrivateKey
            $ec = Get-SmimeCertificate -Pkcs11Module $library -Token $label -Pin $pin -Thumbprint $users.p256.thumbprint
        }

        It 'signs with the <Name> key, and openssl cms verifies it' -ForEach @(
            @{ Name = 'RSA PKCS#1 v1.5'; Which = 'alice'; Algorithm = 'RsaPkcs1' }
            @{ Name = 'RSA-PSS'; Which = 'alice'; Algorithm = 'RsaPss' }
            @{ Name = 'ECDSA'; Which = 'ec'; Algorithm = 'Ecdsa' }
        ) -Skip:$noOpenSsl {
            $signer = if ($Which -eq 'alice') { $alice } else { $ec }
            $out = Join-Path $TestDrive "token-signed-$Algorithm.eml"
            $result = Protect-SmimeMessage -Path $message -SignWith $signer -SignatureAlgorithm $Algorithm -Destination $out
            $result.SignerThumbprint | Should -Be $signer.Thumbprint
            Invoke-OpenSsl cms -verify -in $out -CAfile $pki.chainPemPath -out (Join-Path $TestDrive "token-verified-$Algorithm.txt") | Out-Null
            (Test-SmimeSignature -Path $out -TrustedRoot $pki.root.certificatePath -Revocation None).Signer | Should -Be $signer.Subject
        }

        It 'signs many messages in one pipeline with one login' {
            $folder = New-Item -ItemType Directory (Join-Path $TestDrive 'batch')
            1..5 | ForEach-Object { Copy-Item $message (Join-Path $folder "m$_.eml") }
            $results = Get-ChildItem $folder -Filter *.eml | Protect-SmimeMessage -SignWith $alice -Destination (New-Item -ItemType Directory (Join-Path $TestDrive 'batch-out')).FullName
            $results | Should -HaveCount 5
            $results.Signed | Should -Be @($true, $true, $true, $true, $true)
            Get-LoadedTokenLibraries | Should -BeTrue -Because 'the library stays loaded until the module is removed'
        }

        It 'decrypts on the token what openssl encrypts to the <Name> certificate' -ForEach @(
            @{ Name = 'RSA (PKCS#1 v1.5)'; User = 'rsa2048'; Options = @() }
            @{ Name = 'RSA (OAEP)'; User = 'rsa2048'; Options = @('-keyopt', 'rsa_padding_mode:oaep') }
            @{ Name = 'EC (ECDH)'; User = 'p256'; Options = @() }
        ) -Skip:$noOpenSsl {
            $encrypted = Join-Path $TestDrive "openssl-$User-$($Options.Count).eml"
            Invoke-OpenSsl cms -encrypt -aes-256-cbc -in $message -out $encrypted -recip $users.$User.certificatePath @Options | Out-Null
            $identity = Get-SmimeCertificate -Pkcs11Module $library -Token $label -Pin $pin -Thumbprint $users.$User.thumbprint
            $opened = Join-Path $TestDrive "openssl-$User-$($Options.Count)-opened.eml"
            $result = Unprotect-SmimeMessage -Path $encrypted -Identity $identity -Destination $opened
            $result.Layers[0].OpenedBy | Should -Match $users.$User.thumbprint
            Get-Content $opened -Raw | Should -Match 'figures.csv'
        }

        It 'signs with a pkcs11: URI given to -SignWith' {
            $uri = (Get-SmimeCertificate -Pkcs11Module $library -Token $label -Email alice@example.com).Source + '&pin-value=123456'
            (Protect-SmimeMessage -Path $message -SignWith $uri).SignerThumbprint | Should -Be $users.rsa2048.thumbprint
        }

        It 'with -WhatIf touches no key: no PIN is asked for and nothing is written' {
            $noPin = Get-SmimeCertificate -Pkcs11Module $library -Token $label -Email alice@example.com
            $out = Join-Path $TestDrive 'whatif.eml'
            Protect-SmimeMessage -Path $message -SignWith $noPin -Destination $out -WhatIf | Should -BeNullOrEmpty
            $out | Should -Not -Exist
        }

        It 'without a PIN in a host that cannot ask says TokenPinRequired' {
            # A fresh module holds no login; this test file runs -NonInteractive, so nobody can be asked.
            Remove-Module SmimeTools
            Import-Module $ModulePath
            $noPin = Get-SmimeCertificate -Pkcs11Module $library -Token $label -Email alice@example.com
            { Protect-SmimeMessage -Path $message -SignWith $noPin -ErrorAction Stop } |
                Should -Throw -ErrorId 'TokenPinRequired,SmimeTools.Commands.ProtectSmimeMessageCommand'
        } -Skip:$canPrompt
    }

    Context 'enrolment: the key is generated on the token and never leaves it' {
        It 'with -WhatIf generates nothing' {
            New-SmimeCertificateRequest -Subject 'CN=Dora Example' -Email dora@example.com -Pkcs11Module $library -Token $label -Pin $wrongPin -OutFile (Join-Path $TestDrive 'whatif.csr') -WhatIf
            Join-Path $TestDrive 'whatif.csr' | Should -Not -Exist
        }

        It 'makes a <KeyType> key pair and a request; the issued certificate goes next to the key and signs' -ForEach @(
            @{ KeyType = 'Rsa2048'; Address = 'dora@example.com' }
            @{ KeyType = 'P256'; Address = 'erin@example.com' }
        ) -Skip:$noOpenSsl {
            $csr = Join-Path $TestDrive "$KeyType.csr"
            $request = New-SmimeCertificateRequest -Subject "CN=Enrolled $KeyType, O=SmimeTools Test" -Email $Address -KeyType $KeyType -Pkcs11Module $library -Token $label -Pin $pin -OutFile $csr
            $request.Path | Should -Be $csr
            $request.KeyUri | Should -BeLike '*type=private*'
            Invoke-OpenSsl req -in $csr -verify -noout | Out-Null

            # The test CA issues the certificate from the request, with the extensions it asked for.
            $issued = Join-Path $TestDrive "$KeyType.crt"
            $extensions = Join-Path $TestDrive "$KeyType.ext"
            Set-Content $extensions "subjectAltName = email:$Address`nkeyUsage = critical, digitalSignature, $(if ($KeyType -eq 'P256') { 'keyAgreement' } else { 'keyEncipherment' })`nextendedKeyUsage = emailProtection"
            Invoke-OpenSsl x509 -req -in $csr -CA $pki.intermediate.certificatePath -CAkey $pki.intermediate.privateKeyPath -CAcreateserial -days 30 -sha256 -extfile $extensions -out $issued | Out-Null

            $stored = Import-SmimeCertificate -Path $issued -Pkcs11Module $library -Token $label -Pin $pin
            $stored.Format | Should -Be 'Token'
            $identity = Get-SmimeCertificate -Pkcs11Module $library -Token $label -Pin $pin -Email $Address
            $identity.KeyLocation | Should -Be 'Token'
            $signed = Join-Path $TestDrive "$KeyType-signed.eml"
            Protect-SmimeMessage -Path $message -SignWith $identity -ExtraCertificate (Get-SmimeCertificate $pki.intermediate.certificatePath) -Destination $signed | Out-Null
            Invoke-OpenSsl cms -verify -in $signed -CAfile $pki.chainPemPath -out (Join-Path $TestDrive "$KeyType-verified.txt") | Out-Null
        }

        It 'refuses a certificate whose key is not on the token' {
            { Import-SmimeCertificate -Path $users.rsa3072.certificatePath -Pkcs11Module $library -Token $label -Pin $pin -ErrorAction Stop } |
                Should -Throw -ErrorId 'TokenKeyNotFound,SmimeTools.Commands.ImportSmimeCertificateCommand'
        }
    }

    Context 'a stopped pipeline' {
        It 'closes the token session when the pipeline is stopped (Ctrl+C skips EndProcessing), and the token works after it' {
            $folder = New-Item -ItemType Directory (Join-Path $TestDrive 'stopped')
            $recipient = Get-SmimeCertificate -Path (Join-Path $pki.Folder 'rsa2048.crt')
            1..3 | ForEach-Object { Protect-SmimeMessage -Path $message -To $recipient -NoSelfCopy -Destination (Join-Path $folder "m$_.eml") | Out-Null }
            Get-OpenTokenSessions | Should -Be 0

            # Another runspace of this process (the same engine), stopped as Ctrl+C stops a pipeline: PowerShell.Stop().
            $ps = [powershell]::Create()
            try {
                $null = $ps.AddScript({
                        param($ModulePath, $Library, $Label, $Pin, $Folder)
                        Import-Module $ModulePath
                        $identity = Get-SmimeCertificate -Pkcs11Module $Library -Token $Label -Pin $Pin -Email alice@example.com -HasPrivateKey
                        Get-ChildItem $Folder -Filter *.eml | Unprotect-SmimeMessage -Identity $identity | ForEach-Object { Start-Sleep -Seconds 120 }
                    }).AddParameters(@{ ModulePath = $ModulePath; Library = $library; Label = $label; Pin = $pin; Folder = $folder.FullName })
                $running = $ps.BeginInvoke()
                $deadline = [DateTime]::UtcNow.AddSeconds(60)
                while ((Get-OpenTokenSessions) -eq 0 -and -not $running.IsCompleted -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 50 }
                Get-OpenTokenSessions | Should -Be 1 -Because 'the first message was decrypted on the token and the pipeline waits downstream'
                $ps.Stop()
                $ps.InvocationStateInfo.State | Should -Be 'Stopped'
                Get-OpenTokenSessions | Should -Be 0 -Because 'StopProcessing closes the keys EndProcessing would have closed'
            }
            finally {
                $ps.Dispose()
            }

            # A login-required operation still works, and leaves no session open either.
            $alice = Get-SmimeCertificate -Pkcs11Module $library -Token $label -Pin $pin -Email alice@example.com -HasPrivateKey
            $opened = Get-ChildItem $folder -Filter *.eml | Unprotect-SmimeMessage -Identity $alice
            $opened | Should -HaveCount 3
            Get-OpenTokenSessions | Should -Be 0
        }
    }

    Context 'module removal' {
        It 'closes the sessions and finalises the libraries' {
            Get-SmimeCertificate -Pkcs11Module $library -Token $label -Pin $pin | Out-Null
            Get-LoadedTokenLibraries | Should -BeTrue
            Remove-Module SmimeTools
            Get-LoadedTokenLibraries | Should -BeFalse
            Import-Module $ModulePath
        }
    }
}

Describe 'NSS profiles (Thunderbird, Firefox) through softokn' -Skip:$noNss {
    BeforeAll {
        $profile = New-Item -ItemType Directory (Join-Path $TestDrive 'thunderbird-profile')
        $passwordFile = Join-Path $TestDrive 'nss-password.txt'
        Set-Content $passwordFile 'profile-pw'
        & certutil -N -d "sql:$profile" -f $passwordFile | Out-Null
        & pk12util -i $users.rsa2048.pkcs12Path -d "sql:$profile" -k $passwordFile -W $pki.password 2>&1 | Out-Null
        Remove-Item $passwordFile
        $profilePin = ConvertTo-SecureString 'profile-pw' -AsPlainText -Force
    }

    It 'finds the identity of the profile and signs with it' -Skip:$noOpenSsl {
        $identity = Get-SmimeCertificate -NssProfile $profile -Pin $profilePin -Email alice@example.com -HasPrivateKey
        $identity.KeyLocation | Should -Be 'Token'
        $out = Join-Path $TestDrive 'nss-signed.eml'
        Protect-SmimeMessage -Path $message -SignWith $identity -Destination $out | Out-Null
        Invoke-OpenSsl cms -verify -in $out -CAfile $pki.chainPemPath -out (Join-Path $TestDrive 'nss-verified.txt') | Out-Null
    }

    It 'says a folder without NSS databases is not a profile' {
        { Get-SmimeCertificate -NssProfile $TestDrive } | Should -Throw -ErrorId 'PathNotFound,SmimeTools.Commands.GetSmimeCertificateCommand'
    }
}
