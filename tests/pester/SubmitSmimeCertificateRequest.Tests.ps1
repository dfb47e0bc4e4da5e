# Submit-SmimeCertificateRequest against a real micromdm scepserver 2.1.0 started here (TestScep.ps1): a request and
# its encrypted PKCS#8 key file made with openssl req, a key generated on a SoftHSM2 token, renewal with -Identity,
# the CA's refusal, an unreachable server, a key that is not the request's, and -WhatIf. The PENDING/CertPoll and RA
# paths, which scepserver cannot show, are tested in xunit against a test responder (ScepResponderTests).
BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'TestScep.ps1')
    $script:noScep = Get-TestScepSkipReason
    $script:noOpenSsl = if (Get-Command openssl -ErrorAction Ignore) { $null } else { 'openssl is not installed' }
    . (Join-Path $PSScriptRoot 'TokenSupport.ps1')
    $script:noSoftHsm = if ((Find-SoftHsmLibrary) -and (Get-Command softhsm2-util -ErrorAction Ignore)) { $null } else { 'SoftHSM2 is not installed (apt-get install softhsm2)' }
    if ($noScep) { Write-Warning "Submit-SmimeCertificateRequest tests skipped: $noScep" }
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    . (Join-Path $PSScriptRoot 'TestScep.ps1')
    . (Join-Path $PSScriptRoot 'TokenSupport.ps1')
    Import-Module $ModulePath -Force
    $keyPassword = ConvertTo-SecureString 'pester-key-password' -AsPlainText -Force
    function New-OpenSslRequest([string] $Name, [switch] $Plain) {
        # A request and its key file as openssl req writes them: PKCS#8, encrypted with AES-256 (PBES2) unless -Plain.
        $key = Join-Path $TestDrive "$Name.key"
        $csr = Join-Path $TestDrive "$Name.csr"
        [string[]] $protection = if ($Plain) { @('-nodes') } else { @('-passout', 'pass:pester-key-password') }
        $output = & openssl req -new -newkey rsa:2048 -keyout $key @protection -subj "/CN=$Name/O=SmimeTools Test" -addext "subjectAltName=email:$Name@example.com" -out $csr 2>&1
        if ($LASTEXITCODE -ne 0) { throw "openssl req failed: $output" }
        [pscustomobject]@{ Key = $key; Request = $csr }
    }
}

Describe 'Submit-SmimeCertificateRequest against scepserver' -Skip:([bool]($noScep -or $noOpenSsl)) {
    BeforeAll {
        $server = Start-TestScepServer -WorkFolder (Join-Path $TestDrive 'scep')
        $ca = [System.Security.Cryptography.X509Certificates.X509Certificate2]::CreateFromPem((Get-Content -Raw $server.CaCertificate))
    }

    AfterAll {
        Stop-TestScepServer $server
    }

    It 'enrols a request with its encrypted key file and returns the certificate for that key' {
        $alice = New-OpenSslRequest 'scep-alice'
        $result = Submit-SmimeCertificateRequest -Url $server.Url -Request $alice.Request -KeyFile $alice.Key -KeyPassword $keyPassword -Challenge $server.Challenge
        $result.Status | Should -Be 'Issued'
        $result.Certificate | Should -BeOfType [System.Security.Cryptography.X509Certificates.X509Certificate2]
        $result.Certificate.Issuer | Should -Be $ca.Subject
        $result.Certificate.Subject | Should -Match 'CN=scep-alice'
        $result.MessageType | Should -Be 'PKCSReq'
        $result.Algorithms | Should -Match '^AES-128-CBC'
        # The certificate is for the request's key: openssl gives the same public key for both.
        $pemCert = Join-Path $TestDrive 'scep-alice.crt'
        Set-Content $pemCert $result.Certificate.ExportCertificatePem()
        $fromCertificate = & openssl x509 -in $pemCert -noout -pubkey
        $fromRequest = & openssl req -in $alice.Request -noout -pubkey
        ($fromCertificate -join "`n") | Should -Be ($fromRequest -join "`n")
        # The format view shows it.
        ($result | Out-String) | Should -Match 'Issued'
    }

    It 'takes PEM text from the pipeline, and a plain PKCS#8 key' {
        $bob = New-OpenSslRequest 'scep-bob' -Plain
        $result = [pscustomobject]@{ Pem = (Get-Content -Raw $bob.Request); KeyFile = $bob.Key } |
            Submit-SmimeCertificateRequest -Url $server.Url -Challenge $server.Challenge
        $result.Status | Should -Be 'Issued'
        $result.TransactionId | Should -Match '^[0-9A-F]{64}$'
    }

    It 'renews with -Identity as a RenewalReq signed with the current certificate' {
        $carol = New-OpenSslRequest 'scep-carol'
        $first = Submit-SmimeCertificateRequest $server.Url $carol.Request -KeyFile $carol.Key -KeyPassword $keyPassword -Challenge $server.Challenge
        $identityFile = Join-Path $TestDrive 'scep-carol.pem'
        Set-Content $identityFile ($first.Certificate.ExportCertificatePem() + "`n" + (Get-Content -Raw $carol.Key))
        $identity = Get-SmimeCertificate -Path $identityFile -Password $keyPassword
        $renewalRequest = Join-Path $TestDrive 'scep-carol-renewal.csr'
        & openssl req -new -key $carol.Key -passin pass:pester-key-password -subj '/CN=scep-carol/O=SmimeTools Test' -out $renewalRequest 2>$null
        $renewed = Submit-SmimeCertificateRequest $server.Url $renewalRequest -Identity $identity -Challenge $server.Challenge
        $renewed.Status | Should -Be 'Issued'
        $renewed.MessageType | Should -Be 'RenewalReq'
        $renewed.Certificate.SerialNumber | Should -Not -Be $first.Certificate.SerialNumber
    }

    It 'reports a refusal as a Failed result and EnrolmentRejected' {
        $dave = New-OpenSslRequest 'scep-dave' -Plain
        $wrong = ConvertTo-SecureString 'not-the-challenge' -AsPlainText -Force
        $result = Submit-SmimeCertificateRequest $server.Url $dave.Request -KeyFile $dave.Key -Challenge $wrong -ErrorAction SilentlyContinue -ErrorVariable refused
        $result.Status | Should -Be 'Failed'
        $result.FailInfo | Should -Be 'BadRequest'
        $result.Certificate | Should -BeNullOrEmpty
        $refused[0].FullyQualifiedErrorId | Should -BeLike 'EnrolmentRejected,*'
        { Submit-SmimeCertificateRequest $server.Url $dave.Request -KeyFile $dave.Key -Challenge $wrong -ErrorAction Stop } | Should -Throw -ErrorId 'EnrolmentRejected,SmimeTools.Commands.SubmitSmimeCertificateRequestCommand'
    }

    It 'refuses a key that is not the request''s with EnrolmentKeyMismatch' {
        $erin = New-OpenSslRequest 'scep-erin' -Plain
        $other = New-OpenSslRequest 'scep-other' -Plain
        { Submit-SmimeCertificateRequest $server.Url $erin.Request -KeyFile $other.Key -Challenge $server.Challenge -ErrorAction Stop } |
            Should -Throw -ErrorId 'EnrolmentKeyMismatch,SmimeTools.Commands.SubmitSmimeCertificateRequestCommand'
    }

    It 'refuses something that is not a request with InvalidCertificateRequest' {
        $notRequest = Join-Path $TestDrive 'not-a-request.csr'
        Set-Content $notRequest (Get-Content -Raw $server.CaCertificate)
        $key = (New-OpenSslRequest 'scep-frank' -Plain).Key
        { Submit-SmimeCertificateRequest $server.Url $notRequest -KeyFile $key -ErrorAction Stop } | Should -Throw -ErrorId 'InvalidCertificateRequest,SmimeTools.Commands.SubmitSmimeCertificateRequestCommand'
    }

    It 'with -WhatIf sends nothing and opens no key (a wrong key password goes unnoticed)' {
        $gina = New-OpenSslRequest 'scep-gina'
        $wrongPassword = ConvertTo-SecureString 'wrong' -AsPlainText -Force
        $before = (Get-Content $server.Log | Where-Object { $_ -match 'op=PKIOperation' }).Count
        $output = Submit-SmimeCertificateRequest $server.Url $gina.Request -KeyFile $gina.Key -KeyPassword $wrongPassword -WhatIf
        $output | Should -BeNullOrEmpty
        (Get-Content $server.Log | Where-Object { $_ -match 'op=PKIOperation' }).Count | Should -Be $before
    }

    It 'names the URL when the server cannot be reached (EnrolmentServerUnavailable)' {
        $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
        $listener.Start(); $port = $listener.LocalEndpoint.Port; $listener.Stop()
        $hana = New-OpenSslRequest 'scep-hana' -Plain
        Submit-SmimeCertificateRequest "http://127.0.0.1:$port/scep" $hana.Request -KeyFile $hana.Key -ErrorAction SilentlyContinue -ErrorVariable unreachable | Should -BeNullOrEmpty
        $unreachable[0].FullyQualifiedErrorId | Should -BeLike 'EnrolmentServerUnavailable,*'
        $unreachable[0].Exception.Message | Should -Match ([regex]::Escape("http://127.0.0.1:$port/scep"))
    }

    Context 'with a key generated on a SoftHSM2 token' -Skip:([bool]$noSoftHsm) {
        BeforeAll {
            $token = New-SoftHsmTestToken -Label 'scep-token' -Pki (Get-TestPki) -Identities @()
        }

        AfterAll {
            Remove-Module SmimeTools -ErrorAction Ignore
            Remove-Item Env:SOFTHSM2_CONF -ErrorAction Ignore
            if ($token.Folder) { Remove-Item $token.Folder -Recurse -Force -ErrorAction Ignore }
            Import-Module $ModulePath -Force
        }

        It 'signs the SCEP message and decrypts the answer on the token (Pem and KeyUri bind by name)' {
            $request = New-SmimeCertificateRequest -Subject 'CN=scep-token-user, O=SmimeTools Test' -Email token-user@example.com -Pkcs11Module $token.Library -Token 'scep-token' -Pin $token.Pin
            $result = $request | Submit-SmimeCertificateRequest -Url $server.Url -Pkcs11Module $token.Library -Pin $token.Pin -Challenge $server.Challenge
            $result.Status | Should -Be 'Issued'
            $result.Certificate.Subject | Should -Match 'CN=scep-token-user'
            # The certificate is for the token's key: its SHA-1 public key hash is the key's CKA_ID.
            $keyId = [Convert]::ToHexString([System.Security.Cryptography.SHA1]::HashData($result.Certificate.PublicKey.EncodedKeyValue.RawData))
            $keyId | Should -Be $request.KeyId
        }
    }
}
