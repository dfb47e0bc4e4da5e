# The local CA: New-SmimeCertificate (self-signed, with generated keys, from PKCS#10 requests) and New-SmimeCrl, checked
# by parsing what they issue and by openssl (verify -CAfile, verify -crl_check, cms -verify, pkcs12 -info).
BeforeDiscovery {
    $script:noOpenSsl = -not (Get-Command openssl -ErrorAction Ignore)
    . (Join-Path $PSScriptRoot 'TokenSupport.ps1')
    $script:noSoftHsm = -not (Find-SoftHsmLibrary) -or -not (Get-Command softhsm2-util -ErrorAction Ignore)
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    Import-Module $ModulePath -Force
    function Secure([string] $Text) { ConvertTo-SecureString $Text -AsPlainText -Force }
    function Pem([System.Security.Cryptography.X509Certificates.X509Certificate2] $Certificate, [string] $Path) {
        Set-Content -LiteralPath $Path -Value ("-----BEGIN CERTIFICATE-----`n" + [Convert]::ToBase64String($Certificate.RawData, 'InsertLineBreaks') + "`n-----END CERTIFICATE-----")
        $Path
    }
    function Extension($Certificate, [string] $Oid) { $Certificate.Extensions | Where-Object { $_.Oid.Value -eq $Oid } }
    function OpenSslRequest([string] $Name, [string] $KeyArgs = 'rsa:2048', [string] $Email = "$Name@example.test") {
        $key = Join-Path $TestDrive "$Name.key"
        $csr = Join-Path $TestDrive "$Name.csr"
        & openssl req -new -newkey $KeyArgs -nodes -keyout $key -out $csr -subj "/CN=$Name" -addext "subjectAltName=email:$Email" 2>$null
        if ($LASTEXITCODE -ne 0) { throw "openssl req failed for $Name" }
        [pscustomobject] @{ Key = $key; Csr = $csr; Pem = (Get-Content -Raw $csr) }
    }

    $ca = New-SmimeCertificate -SelfSigned -CertificateAuthority -Subject 'CN=SmimeTools Test CA, O=Example' -KeyType P256 -NotAfter (Get-Date).AddDays(400)
    $caPem = Pem $ca (Join-Path $TestDrive 'ca.pem')
}

Describe 'New-SmimeCertificate -SelfSigned -CertificateAuthority' {
    It 'makes a CA identity: basicConstraints cA (critical), keyCertSign and cRLSign, SKI, the key in memory' {
        $ca.HasPrivateKey | Should -BeTrue
        $ca.Subject | Should -Be 'CN=SmimeTools Test CA, O=Example'
        $ca.Issuer | Should -Be $ca.Subject
        $constraints = $ca.Extensions | Where-Object { $_ -is [System.Security.Cryptography.X509Certificates.X509BasicConstraintsExtension] }
        $constraints.CertificateAuthority | Should -BeTrue
        $constraints.Critical | Should -BeTrue
        $usage = ($ca.Extensions | Where-Object { $_ -is [System.Security.Cryptography.X509Certificates.X509KeyUsageExtension] }).KeyUsages
        $usage.HasFlag([System.Security.Cryptography.X509Certificates.X509KeyUsageFlags]::KeyCertSign) | Should -BeTrue
        $usage.HasFlag([System.Security.Cryptography.X509Certificates.X509KeyUsageFlags]::CrlSign) | Should -BeTrue
        Extension $ca '2.5.29.14' | Should -Not -BeNullOrEmpty
    }

    It 'makes a throwaway mail identity in one line, which signs a message that verifies against itself' {
        $me = New-SmimeCertificate -SelfSigned -Subject 'CN=CI Bot' -Email ci-bot@example.test -KeyType P256
        $me.HasPrivateKey | Should -BeTrue
        $me.KeyLocation | Should -Be 'File'
        $message = Join-Path $TestDrive 'self.eml'
        Set-Content $message "From: ci-bot@example.test`r`nTo: ci-bot@example.test`r`nSubject: self`r`n`r`nhello`r`n" -NoNewline
        Protect-SmimeMessage -Path $message -SignWith $me -Destination (Join-Path $TestDrive 'self-signed.eml') | Out-Null
        $result = Test-SmimeSignature -Path (Join-Path $TestDrive 'self-signed.eml') -TrustedRoot $me -Revocation None
        $result.IsValid | Should -BeTrue
        $result.SignerEmail | Should -Be 'ci-bot@example.test'
    }
}

Describe 'New-SmimeCertificate -Issuer with a generated key' {
    BeforeAll {
        $alice = New-SmimeCertificate -Issuer $ca -Subject 'CN=Alice Example' -Email alice@example.test -CrlDistributionPoint 'http://ca.example.test/ca.crl'
    }

    It 'issues the S/MIME profile: SAN rfc822Name, key usage for RSA, emailProtection, AKI = the CA''s SKI, the CRL distribution point' {
        $alice.Issuer | Should -Be $ca.Subject
        $alice.HasPrivateKey | Should -BeTrue
        $san = Extension $alice '2.5.29.17'
        $san.Format($false) | Should -Match 'alice@example\.test'
        $usage = ($alice.Extensions | Where-Object { $_ -is [System.Security.Cryptography.X509Certificates.X509KeyUsageExtension] })
        $usage.Critical | Should -BeTrue
        $usage.KeyUsages | Should -Be ([System.Security.Cryptography.X509Certificates.X509KeyUsageFlags] 'DigitalSignature, KeyEncipherment')
        $eku = $alice.Extensions | Where-Object { $_ -is [System.Security.Cryptography.X509Certificates.X509EnhancedKeyUsageExtension] }
        @($eku.EnhancedKeyUsages | ForEach-Object Value) | Should -Be @('1.3.6.1.5.5.7.3.4')
        $aki = $alice.Extensions | Where-Object { $_ -is [System.Security.Cryptography.X509Certificates.X509AuthorityKeyIdentifierExtension] }
        $caSki = ($ca.Extensions | Where-Object { $_ -is [System.Security.Cryptography.X509Certificates.X509SubjectKeyIdentifierExtension] }).SubjectKeyIdentifier
        [Convert]::ToHexString($aki.KeyIdentifier.ToArray()) | Should -Be $caSki
        (Extension $alice '2.5.29.31').Format($false) | Should -Match 'http://ca\.example\.test/ca\.crl'
    }

    It 'gives every certificate a random 16-byte positive serial number' {
        $bob = New-SmimeCertificate -Issuer $ca -Subject 'CN=Bob' -Email bob@example.test -KeyType P256
        $alice.SerialNumberBytes.Length | Should -Be 16
        $bob.SerialNumberBytes.Length | Should -Be 16
        $alice.SerialNumber | Should -Not -Be $bob.SerialNumber
        # SerialNumberBytes is little-endian: the last byte is the first of the DER integer, whose top bit must be clear.
        $alice.GetSerialNumber()[15] -band 0x80 | Should -Be 0
    }

    It 'sets the key usage by key type and -Usage: keyAgreement for EC encryption, digitalSignature alone for signing' {
        $ecBoth = New-SmimeCertificate -Issuer $ca -Subject 'CN=Carol' -Email carol@example.test -KeyType P256
        $ecEncrypt = New-SmimeCertificate -Issuer $ca -Subject 'CN=Carol' -Email carol@example.test -KeyType P384 -Usage Encryption
        $rsaSign = New-SmimeCertificate -Issuer $ca -Subject 'CN=Dave' -Email dave@example.test -Usage Signing
        $flags = { param($c) ($c.Extensions | Where-Object { $_ -is [System.Security.Cryptography.X509Certificates.X509KeyUsageExtension] }).KeyUsages }
        & $flags $ecBoth | Should -Be ([System.Security.Cryptography.X509Certificates.X509KeyUsageFlags] 'DigitalSignature, KeyAgreement')
        & $flags $ecEncrypt | Should -Be ([System.Security.Cryptography.X509Certificates.X509KeyUsageFlags] 'KeyAgreement')
        & $flags $rsaSign | Should -Be ([System.Security.Cryptography.X509Certificates.X509KeyUsageFlags] 'DigitalSignature')
    }

    It 'cuts a validity that would outlive the CA back to the CA''s end, with a warning' {
        $long = New-SmimeCertificate -Issuer $ca -Subject 'CN=Erin' -Email erin@example.test -KeyType P256 -NotAfter (Get-Date).AddYears(5) -WarningVariable warned 3>$null
        $long.NotAfter | Should -Be $ca.NotAfter
        $warned | Should -Not -BeNullOrEmpty
    }

    It 'refuses an end before the start (InvalidValidityPeriod) and a certificate without an address (NoEmailAddress)' {
        { New-SmimeCertificate -Issuer $ca -Subject 'CN=Past' -Email past@example.test -KeyType P256 -NotAfter (Get-Date).AddDays(-1) -ErrorAction Stop } |
            Should -Throw -ErrorId 'InvalidValidityPeriod,SmimeTools.Commands.NewSmimeCertificateCommand'
        { New-SmimeCertificate -Issuer $ca -Subject 'CN=Nobody' -KeyType P256 -ErrorAction Stop } |
            Should -Throw -ErrorId 'NoEmailAddress,SmimeTools.Commands.NewSmimeCertificateCommand'
    }

    It 'refuses an issuer that is not a CA (IssuerNotCertificateAuthority) and one without its key (NoPrivateKey)' {
        { New-SmimeCertificate -Issuer $alice -Subject 'CN=Sub' -Email sub@example.test } |
            Should -Throw -ErrorId 'IssuerNotCertificateAuthority,SmimeTools.Commands.NewSmimeCertificateCommand'
        $publicOnly = [System.Security.Cryptography.X509Certificates.X509Certificate2]::new($ca.RawData)
        { New-SmimeCertificate -Issuer $publicOnly -Subject 'CN=Sub' -Email sub@example.test } |
            Should -Throw -ErrorId 'NoPrivateKey,SmimeTools.Commands.NewSmimeCertificateCommand'
    }

    It 'writes the identity to a PKCS#12 file with -OutFile, and refuses to overwrite it without -Force' {
        $file = Join-Path $TestDrive 'frank.p12'
        $frank = New-SmimeCertificate -Issuer $ca -Subject 'CN=Frank' -Email frank@example.test -KeyType P256 -OutFile $file -Password (Secure 'pw-frank')
        $read = Get-SmimeCertificate -Path $file -Password (Secure 'pw-frank') | Where-Object Thumbprint -eq $frank.Thumbprint
        $read.HasPrivateKey | Should -BeTrue
        { New-SmimeCertificate -Issuer $ca -Subject 'CN=Frank' -Email frank@example.test -KeyType P256 -OutFile $file -Password (Secure 'x') -ErrorAction Stop } |
            Should -Throw -ErrorId 'DestinationExists,SmimeTools.Commands.NewSmimeCertificateCommand'
        (Get-SmimeCertificate -Path $file -Password (Secure 'pw-frank') | Where-Object Thumbprint -eq $frank.Thumbprint) | Should -Not -BeNullOrEmpty
    }

    It 'asks for -Password with -OutFile (BadPassword) before it makes anything' {
        { New-SmimeCertificate -Issuer $ca -Subject 'CN=G' -Email g@example.test -OutFile (Join-Path $TestDrive 'g.p12') } |
            Should -Throw -ErrorId 'BadPassword,SmimeTools.Commands.NewSmimeCertificateCommand'
        Join-Path $TestDrive 'g.p12' | Should -Not -Exist
    }

    It 'makes nothing with -WhatIf: no certificate, no file' {
        $out = New-SmimeCertificate -Issuer $ca -Subject 'CN=What If' -Email whatif@example.test -OutFile (Join-Path $TestDrive 'whatif.p12') -Password (Secure 'x') -WhatIf
        $out | Should -BeNullOrEmpty
        Join-Path $TestDrive 'whatif.p12' | Should -Not -Exist
    }

    It 'issues a chain openssl verifies, and an identity whose signed message openssl cms verifies' -Skip:$noOpenSsl {
        $alicePem = Pem $alice (Join-Path $TestDrive 'alice.pem')
        (& openssl verify -CAfile $caPem $alicePem 2>&1) -join "`n" | Should -Match ': OK'
        $LASTEXITCODE | Should -Be 0
        $message = Join-Path $TestDrive 'alice.eml'
        Set-Content $message "From: alice@example.test`r`nTo: bob@example.test`r`nSubject: interop`r`n`r`nsigned by our CA`r`n" -NoNewline
        Protect-SmimeMessage -Path $message -SignWith $alice -Destination (Join-Path $TestDrive 'alice-signed.eml') | Out-Null
        & openssl cms -verify -in (Join-Path $TestDrive 'alice-signed.eml') -CAfile $caPem -purpose smimesign -out (Join-Path $TestDrive 'alice-out.txt') 2>&1 | Out-String |
            Should -Match 'Verification successful'
        $LASTEXITCODE | Should -Be 0
    }

    It 'writes PKCS#12 with PBES2/AES-256 that openssl reads' -Skip:$noOpenSsl {
        $file = Join-Path $TestDrive 'p12-openssl.p12'
        New-SmimeCertificate -Issuer $ca -Subject 'CN=Heidi' -Email heidi@example.test -KeyType P256 -OutFile $file -Password (Secure 'pw-heidi') | Out-Null
        $info = & openssl pkcs12 -info -in $file -passin pass:pw-heidi -nokeys 2>&1
        $LASTEXITCODE | Should -Be 0
        ($info -join "`n") | Should -Match 'PBES2, PBKDF2, AES-256-CBC'
    }
}

Describe 'New-SmimeCertificate -Request' -Skip:$noOpenSsl {
    It 'issues for an openssl request piped with a Pem property, keeping the request''s key and address' {
        $request = OpenSslRequest 'ivan'
        $issued = $request | New-SmimeCertificate -Issuer $ca
        $issued.HasPrivateKey | Should -BeFalse
        $issued.Subject | Should -Be 'CN=ivan'
        (Extension $issued '2.5.29.17').Format($false) | Should -Match 'ivan@example\.test'
        $issuedPem = Pem $issued (Join-Path $TestDrive 'ivan.pem')
        (& openssl verify -CAfile $caPem $issuedPem 2>&1) -join "`n" | Should -Match ': OK'
        # The certificate's public key is the request's: openssl sees the same modulus.
        (& openssl x509 -in $issuedPem -noout -modulus) | Should -Be (& openssl rsa -in $request.Key -noout -modulus 2>$null)
    }

    It 'reads a DER request file, and -Email and -Subject replace what the request asks for' {
        $request = OpenSslRequest 'judy'
        $der = Join-Path $TestDrive 'judy.der'
        & openssl req -in $request.Csr -outform DER -out $der
        $issued = New-SmimeCertificate -Request $der -Issuer $ca -Email judy.other@example.test -Subject 'CN=Judy Other'
        $issued.Subject | Should -Be 'CN=Judy Other'
        (Extension $issued '2.5.29.17').Format($false) | Should -Match 'judy\.other@example\.test'
        (Extension $issued '2.5.29.17').Format($false) | Should -Not -Match 'judy@example\.test'
    }

    It 'refuses a request whose self-signature does not verify (InvalidCertificateRequest)' {
        $request = OpenSslRequest 'mallory'
        $der = [Convert]::FromBase64String(($request.Pem -replace '-----[^-]+-----', '' -replace '\s', ''))
        $der[$der.Length - 5] = $der[$der.Length - 5] -bxor 0xFF
        $bad = Join-Path $TestDrive 'mallory-bad.der'
        [IO.File]::WriteAllBytes($bad, $der)
        { New-SmimeCertificate -Request $bad -Issuer $ca -ErrorAction Stop } |
            Should -Throw -ErrorId 'InvalidCertificateRequest,SmimeTools.Commands.NewSmimeCertificateCommand'
    }

    It 'refuses a 1024-bit RSA request (WeakKey) unless -AllowWeakAlgorithm' {
        $request = OpenSslRequest 'weak' 'rsa:1024'
        { New-SmimeCertificate -Request $request.Pem -Issuer $ca -ErrorAction Stop } |
            Should -Throw -ErrorId 'WeakKey,SmimeTools.Commands.NewSmimeCertificateCommand'
        $issued = New-SmimeCertificate -Request $request.Pem -Issuer $ca -AllowWeakAlgorithm
        $issued.PublicKey.GetRSAPublicKey().KeySize | Should -Be 1024
    }

    It 'reports each bad request of a pipeline and issues the rest' {
        $good = OpenSslRequest 'ok1'
        $out = @('not a request at all', $good.Pem) | New-SmimeCertificate -Issuer $ca -ErrorVariable failures -ErrorAction SilentlyContinue
        @($out).Count | Should -Be 1
        $failures[0].FullyQualifiedErrorId | Should -Be 'PathNotFound,SmimeTools.Commands.NewSmimeCertificateCommand'
    }
}

Describe 'New-SmimeCrl' {
    BeforeAll {
        $signer = New-SmimeCertificate -Issuer $ca -Subject 'CN=Revoked Signer' -Email revoked@example.test -KeyType P256
        $message = Join-Path $TestDrive 'crl.eml'
        Set-Content $message "From: revoked@example.test`r`nTo: bob@example.test`r`nSubject: crl`r`n`r`nsoon revoked`r`n" -NoNewline
        $signed = Join-Path $TestDrive 'crl-signed.eml'
        Protect-SmimeMessage -Path $message -SignWith $signer -Destination $signed | Out-Null
        $empty = New-SmimeCrl -Issuer $ca -OutFile (Join-Path $TestDrive 'empty.crl')
        $revoked = New-SmimeCrl -Issuer $ca -RevokedCertificate $signer -Reason KeyCompromise -BaseCrl $empty.Path -OutFile (Join-Path $TestDrive 'revoked.crl')
    }

    It 'signs a CRL that Test-SmimeSignature -Crl accepts: valid with the empty list, Revoked once listed' {
        (Test-SmimeSignature -Path $signed -TrustedRoot $ca -Crl $empty.Path).Status | Should -Be 'Valid'
        $result = Test-SmimeSignature -Path $signed -TrustedRoot $ca -Crl $revoked.Path
        $result.Status | Should -Be 'Revoked'
        $result.IsValid | Should -BeFalse
    }

    It 'carries a CRL number that grows with -BaseCrl, and counts its entries' {
        $empty.RevokedCount | Should -Be 0
        $revoked.RevokedCount | Should -Be 1
        $revoked.CrlNumber | Should -Be ($empty.CrlNumber + 1)
        $revoked.Issuer | Should -Be $ca.Subject
        $revoked.NextUpdate | Should -BeGreaterThan (Get-Date).ToUniversalTime()
    }

    It 'agrees with openssl verify -crl_check' -Skip:$noOpenSsl {
        $signerPem = Pem $signer (Join-Path $TestDrive 'revoked-signer.pem')
        $bundle = Join-Path $TestDrive 'ca-and-crl.pem'
        $crlPem = & openssl crl -inform DER -in $revoked.Path
        Set-Content $bundle ((Get-Content -Raw $caPem) + "`n" + ($crlPem -join "`n"))
        (& openssl verify -crl_check -CAfile $bundle $signerPem 2>&1) -join "`n" | Should -Match 'certificate revoked'
        $LASTEXITCODE | Should -Not -Be 0
        (& openssl crl -inform DER -in $revoked.Path -noout -text) -join "`n" | Should -Match 'Key Compromise'
    }

    It 'refuses a certificate another CA issued (NotIssuedByIssuer) and lists the others' {
        $otherCa = New-SmimeCertificate -SelfSigned -CertificateAuthority -Subject 'CN=Other CA' -KeyType P256
        $stranger = New-SmimeCertificate -Issuer $otherCa -Subject 'CN=Stranger' -Email stranger@example.test -KeyType P256
        $record = New-SmimeCrl -Issuer $ca -RevokedCertificate $stranger, $signer -OutFile (Join-Path $TestDrive 'mixed.crl') -ErrorVariable failures -ErrorAction SilentlyContinue
        $failures[0].FullyQualifiedErrorId | Should -Be 'NotIssuedByIssuer,SmimeTools.Commands.NewSmimeCrlCommand'
        $record.RevokedCount | Should -Be 1
    }

    It 'writes nothing with -WhatIf, and lists serial numbers given as hex' {
        New-SmimeCrl -Issuer $ca -SerialNumber '0A1B2C' -OutFile (Join-Path $TestDrive 'whatif.crl') -WhatIf | Should -BeNullOrEmpty
        Join-Path $TestDrive 'whatif.crl' | Should -Not -Exist
        (New-SmimeCrl -Issuer $ca -SerialNumber '0A1B2C' -OutFile (Join-Path $TestDrive 'serial.crl') -Pem).RevokedCount | Should -Be 1
        Get-Content -Raw (Join-Path $TestDrive 'serial.crl') | Should -Match '-----BEGIN X509 CRL-----'
        { New-SmimeCrl -Issuer $ca -SerialNumber 'xyz' -OutFile (Join-Path $TestDrive 'bad.crl') } |
            Should -Throw -ErrorId 'InvalidSerialNumber,SmimeTools.Commands.NewSmimeCrlCommand'
    }
}

Describe 'Enrolment of a token key through the local CA' -Skip:$noSoftHsm {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'TokenSupport.ps1')
        $token = New-SoftHsmTestToken -Label 'CA enrolment' -Pki (Get-TestPki) -Identities @()
        # New-SoftHsmTestToken re-imports the module; the CA made before is still a usable identity object.
    }

    AfterAll {
        Remove-Module SmimeTools -ErrorAction Ignore
        Remove-Item $token.Folder -Recurse -Force -ErrorAction Ignore
    }

    It 'requests on the token, issues through the pipeline, stores the certificate by the key, and the token signs' {
        $issued = New-SmimeCertificateRequest -Subject 'CN=Token User' -Email token.user@example.test -KeyType P256 -Pkcs11Module $token.Library -Token $token.Label -Pin $token.Pin |
            New-SmimeCertificate -Issuer $ca
        $issued.Issuer | Should -Be $ca.Subject
        $issued.HasPrivateKey | Should -BeFalse
        Import-SmimeCertificate -Certificate $issued -Pkcs11Module $token.Library -Token $token.Label -Pin $token.Pin | Out-Null
        $identity = Get-SmimeCertificate -Pkcs11Module $token.Library -Token $token.Label -Pin $token.Pin | Where-Object Thumbprint -EQ $issued.Thumbprint
        $identity.KeyLocation | Should -Be 'Token'
        $message = Join-Path $TestDrive 'token.eml'
        Set-Content $message "From: token.user@example.test`r`nTo: bob@example.test`r`nSubject: token`r`n`r`nsigned on the token`r`n" -NoNewline
        Protect-SmimeMessage -Path $message -SignWith $identity -Destination (Join-Path $TestDrive 'token-signed.eml') | Out-Null
        $result = Test-SmimeSignature -Path (Join-Path $TestDrive 'token-signed.eml') -TrustedRoot $ca -Revocation None
        $result.Status | Should -Be 'Valid'
        $result.SignerEmail | Should -Be 'token.user@example.test'
    }
}
