# Protect-SmimeMessage and Unprotect-SmimeMessage through the real cmdlets, checked against openssl cms.
BeforeDiscovery {
    $script:hasOpenSsl = [bool](Get-Command openssl -ErrorAction Ignore)
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    Import-Module $ModulePath -Force
    $pki = Get-TestPki
    $users = $pki.users
    $message = $pki.sampleMessagePath
    function Identity([string] $Name) {
        Get-SmimeCertificate -Path (Join-Path $pki.Folder "$Name.p12") -Password $pki.SecurePassword
    }
    function Certificate([string] $Name) { Get-SmimeCertificate -Path (Join-Path $pki.Folder "$Name.crt") }
    function Invoke-OpenSsl {
        # Runs openssl; returns stdout text, throws with stderr on failure.
        $output = & openssl @args 2>&1
        if ($LASTEXITCODE -ne 0) { throw "openssl $($args -join ' ') failed: $($output -join "`n")" }
        $output -join "`n"
    }
    $alice = Identity rsa2048
    $bob = Identity rsa3072
    # Signed content is in canonical form: 8-bit text is quoted-printable inside the signature.
    $originalText = [regex]::Escape('Gr=C3=BC=C3=9Fe from Z=C3=BCrich')
}

Describe 'Protect-SmimeMessage' {
    Context 'signing' {
        It 'makes multipart/signed that openssl verifies' -Skip:(-not $hasOpenSsl) {
            $out = Join-Path $TestDrive 'signed.eml'
            $result = Protect-SmimeMessage -Path $message -SignWith $alice -Destination $out
            $result.Signed | Should -BeTrue
            $result.Destination | Should -Be $out
            $text = Get-Content $out -Raw
            $text | Should -Match 'Content-Type: multipart/signed; protocol="application/pkcs7-signature"; micalg=sha-256'
            $text | Should -Match 'Subject: Quarterly figures'
            $verified = Join-Path $TestDrive 'verified.txt'
            Invoke-OpenSsl cms -verify -in $out -CAfile $pki.chainPemPath -purpose smimesign -out $verified | Out-Null
            [IO.File]::ReadAllText($verified) | Should -Match ([regex]::Escape('figures.csv'))
        }

        It 'makes opaque signed-data with -Opaque that openssl verifies' -Skip:(-not $hasOpenSsl) {
            $out = Join-Path $TestDrive 'opaque.eml'
            Protect-SmimeMessage -Path $message -SignWith $alice -Opaque -Destination $out | Out-Null
            Get-Content $out -Raw | Should -Match 'smime-type=signed-data'
            $verified = Join-Path $TestDrive 'opaque-verified.txt'
            Invoke-OpenSsl cms -verify -in $out -CAfile $pki.chainPemPath -out $verified | Out-Null
            [IO.File]::ReadAllText($verified) | Should -Match 'figures.csv'
        }

        It 'signs with <Name> keys' -ForEach @(@{ Name = 'p256' }, @{ Name = 'p384' }, @{ Name = 'p521' }) -Skip:(-not $hasOpenSsl) {
            $out = Join-Path $TestDrive "signed-$Name.eml"
            Protect-SmimeMessage -Path $message -SignWith (Identity $Name) -Destination $out | Out-Null
            Invoke-OpenSsl cms -verify -in $out -CAfile $pki.chainPemPath -out (Join-Path $TestDrive "v-$Name.txt") | Out-Null
        }

        It 'signs with Ed25519 and SHA-512 (RFC 8419)' {
            # openssl 3.0 cannot verify Ed25519 in CMS; our reader checks the opaque form.
            $signed = Protect-SmimeMessage -Path $message -SignWith (Identity ed25519) -Opaque
            $signed.Digest | Should -Be 'Sha512'
            $opened = $signed | Unprotect-SmimeMessage
            $opened.Layers[0].Signers | Should -HaveCount 1
            $opened.Layers[0].Signers[0] | Should -BeLike 'Valid:*Erin*'
        }
    }

    Context 'encryption' {
        It 'encrypts to a recipient that openssl decrypts with <Algorithm>' -ForEach @(
            @{ Algorithm = 'Aes256Cbc' }, @{ Algorithm = 'Aes128Cbc' }, @{ Algorithm = 'Aes256Gcm' }
        ) -Skip:(-not $hasOpenSsl) {
            $out = Join-Path $TestDrive "encrypted-$Algorithm.eml"
            $result = Protect-SmimeMessage -Path $message -To (Certificate rsa3072) -EncryptionAlgorithm $Algorithm -Destination $out
            $result.Encrypted | Should -BeTrue
            $decrypted = Join-Path $TestDrive "decrypted-$Algorithm.eml"
            Invoke-OpenSsl cms -decrypt -in $out -recip $users.rsa3072.certificatePath -inkey $users.rsa3072.privateKeyPath -out $decrypted | Out-Null
            [IO.File]::ReadAllText($decrypted) | Should -Match 'figures.csv'
        }

        It 'signs then encrypts, and the sender can read its own copy' {
            $out = Join-Path $TestDrive 'signed-encrypted.eml'
            $result = Protect-SmimeMessage -Path $message -SignWith $alice -To (Certificate rsa3072) -Destination $out
            $result.RecipientThumbprints | Should -Contain $users.rsa2048.thumbprint
            $result.RecipientThumbprints | Should -Contain $users.rsa3072.thumbprint
            $asBob = Unprotect-SmimeMessage -Path $out -Identity $bob
            $asBob.Layers.Kind | Should -Be @('Enveloped')
            $asBob.ContentType | Should -Be 'multipart/signed'
            $asAlice = Unprotect-SmimeMessage -Path $out -Identity $alice -RemoveSignature
            $asAlice.Layers.Kind | Should -Be @('Enveloped', 'DetachedSigned')
            $asAlice.ContentType | Should -Be 'multipart/mixed'
            [Text.Encoding]::UTF8.GetString($asAlice.Content) | Should -Match 'Subject: Quarterly figures'
        }

        It 'keeps the sender out with -NoSelfCopy' {
            $result = Protect-SmimeMessage -Path $message -SignWith $alice -To (Certificate rsa3072) -NoSelfCopy
            $result.RecipientThumbprints | Should -Be @($users.rsa3072.thumbprint)
            { $result | Unprotect-SmimeMessage -Identity $alice -ErrorAction Stop } | Should -Throw -ErrorId 'NoDecryptionKey,SmimeTools.Commands.UnprotectSmimeMessageCommand'
        }

        It 'encrypts to EC and X25519 recipients' -ForEach @(@{ Name = 'p256' }, @{ Name = 'p384' }, @{ Name = 'p521' }, @{ Name = 'x25519' }) {
            $result = Protect-SmimeMessage -Path $message -To (Certificate $Name)
            $opened = $result | Unprotect-SmimeMessage -Identity (Identity $Name)
            [Text.Encoding]::UTF8.GetString($opened.Content) | Should -Match 'figures.csv'
        }
    }

    Context 'a self-signed certificate made as tutorials show (openssl req -x509)' -Skip:(-not $hasOpenSsl) {
        BeforeAll {
            # OpenSSL's default configuration makes it a CA certificate (basicConstraints CA:TRUE), with no key usage.
            $selfSigned = Join-Path $TestDrive 'self-signed'
            New-Item -ItemType Directory -Path $selfSigned | Out-Null
            $keyFile = Join-Path $selfSigned 'k.pem'
            $certificateFile = Join-Path $selfSigned 'c.pem'
            Invoke-OpenSsl req -x509 -newkey rsa:2048 -nodes -keyout $keyFile -out $certificateFile -subj '/CN=Alice' `
                -addext subjectAltName=email:alice@example.com | Out-Null
            $identityFile = Join-Path $selfSigned 'alice.pem'
            [IO.File]::WriteAllText($identityFile, [IO.File]::ReadAllText($certificateFile) + [IO.File]::ReadAllText($keyFile))
            $selfCertificate = Get-SmimeCertificate -Path $certificateFile
        }

        It 'is a CA certificate as OpenSSL makes it, and still signs and is encrypted to' {
            $constraints = $selfCertificate.Extensions | Where-Object { $_ -is [Security.Cryptography.X509Certificates.X509BasicConstraintsExtension] }
            $constraints.CertificateAuthority | Should -BeTrue
            $selfCertificate.CanSign | Should -BeTrue
            $selfCertificate.CanEncrypt | Should -BeTrue
        }

        It 'is a -To recipient that openssl decrypts for' {
            $out = Join-Path $TestDrive 'to-self-signed.eml'
            $result = Protect-SmimeMessage -Path $message -To $certificateFile -Destination $out
            $result.RecipientThumbprints | Should -Be @($selfCertificate.Thumbprint)
            $decrypted = Join-Path $TestDrive 'to-self-signed.txt'
            Invoke-OpenSsl cms -decrypt -in $out -recip $certificateFile -inkey $keyFile -out $decrypted | Out-Null
            [IO.File]::ReadAllText($decrypted) | Should -Match 'figures.csv'
        }

        It 'signs with its key file, and openssl verifies with it as the trusted certificate' {
            $identity = Get-SmimeCertificate -Path $identityFile
            $identity.KeyLocation | Should -Be 'File'
            $out = Join-Path $TestDrive 'by-self-signed.eml'
            $result = Protect-SmimeMessage -Path $message -SignWith $identity -To $identity -Destination $out
            $result.Signed | Should -BeTrue
            $result.RecipientThumbprints | Should -Be @($identity.Thumbprint)
            $opened = Join-Path $TestDrive 'by-self-signed-opened.eml'
            Invoke-OpenSsl cms -decrypt -in $out -recip $certificateFile -inkey $keyFile -out $opened | Out-Null
            $verified = Join-Path $TestDrive 'by-self-signed-verified.txt'
            Invoke-OpenSsl cms -verify -in $opened -CAfile $certificateFile -purpose smimesign -out $verified | Out-Null
            [IO.File]::ReadAllText($verified) | Should -Match 'figures.csv'
            $check = Unprotect-SmimeMessage -Path $out -Identity $identity | Test-SmimeSignature -TrustedRoot $certificateFile -NoSystemTrust
            $check.IsValid | Should -BeTrue -Because ($check.Problems -join '; ')
        }

        It 'is picked from a bundle, while the CA certificates of the bundle are still skipped' {
            $bundle = Join-Path $selfSigned 'bundle.pem'
            [IO.File]::WriteAllText($bundle, [IO.File]::ReadAllText($certificateFile) + [IO.File]::ReadAllText($pki.chainPemPath))
            $result = Protect-SmimeMessage -Path $message -To $bundle
            $result.RecipientThumbprints | Should -Be @($selfCertificate.Thumbprint)
            { Protect-SmimeMessage -Path $message -To $pki.chainPemPath -ErrorAction Stop } |
                Should -Throw -ErrorId 'NoMatchingCertificate,SmimeTools.Commands.ProtectSmimeMessageCommand'
        }
    }

    Context 'large messages (parsed on a second thread while they are copied)' {
        BeforeAll {
            function New-LargeMessage([string] $Path, [string] $TextPart) {
                # A text part and 6 MB of base64: past the size from which the engine parses alongside the copy.
                $writer = [IO.StreamWriter]::new($Path, $false, [Text.UTF8Encoding]::new($false))
                $writer.NewLine = "`r`n"
                $writer.WriteLine('From: Alice <alice@example.com>'); $writer.WriteLine('To: Bob <bob@example.com>'); $writer.WriteLine('Subject: large')
                $writer.WriteLine('MIME-Version: 1.0'); $writer.WriteLine('Content-Type: multipart/mixed; boundary="b"'); $writer.WriteLine('')
                $writer.WriteLine('--b'); $writer.Write($TextPart); $writer.WriteLine('--b')
                $writer.WriteLine('Content-Type: application/octet-stream; name="data.bin"'); $writer.WriteLine('Content-Transfer-Encoding: base64'); $writer.WriteLine('')
                $chunk = [byte[]]::new(57 * 1000)
                [Random]::new(5).NextBytes($chunk)
                $lines = [Convert]::ToBase64String($chunk, [Base64FormattingOptions]::InsertLineBreaks)
                foreach ($i in 1..100) { $writer.WriteLine($lines) }
                $writer.WriteLine('--b--')
                $writer.Dispose()
            }
        }

        It 'signs and encrypts a large message with <Case> that openssl verifies and decrypts' -ForEach @(
            @{ Case = 'a 7-bit text part'; Text = "Content-Type: text/plain`r`n`r`nFigures attached.`r`n"; Expect = 'Figures attached' }
            @{ Case = 'an 8-bit text part to re-encode'; Text = "Content-Type: text/plain; charset=utf-8`r`nContent-Transfer-Encoding: 8bit`r`n`r`nGr$([char]0xFC)$([char]0xDF)e.`r`n"; Expect = 'R3LDvMOfZS4=' }  # re-encoded for 7-bit: the base64 of the text
        ) -Skip:(-not $hasOpenSsl) {
            $folder = New-Item -ItemType Directory (Join-Path $TestDrive ("large-" + ($Case -replace '\W', '')))
            $in = Join-Path $folder 'large.eml'
            New-LargeMessage $in $Text
            (Get-Item $in).Length | Should -BeGreaterThan 6MB

            $signed = Join-Path $folder 'signed.eml'
            Protect-SmimeMessage -Path $in -SignWith $alice -Destination $signed | Select-Object -ExpandProperty Subject | Should -Be 'large'
            $verified = Join-Path $folder 'verified.txt'
            Invoke-OpenSsl cms -verify -in $signed -CAfile $pki.chainPemPath -purpose smimesign -out $verified | Out-Null
            [IO.File]::ReadAllText($verified) | Should -Match $Expect
            [IO.File]::ReadAllText($verified) | Should -Not -Match 'Content-Transfer-Encoding: 8bit'
            (Get-Item $verified).Length | Should -BeGreaterThan 6MB

            $encrypted = Join-Path $folder 'encrypted.eml'
            Protect-SmimeMessage -Path $in -SignWith $alice -To (Certificate rsa3072) -Destination $encrypted | Out-Null
            $decrypted = Join-Path $folder 'decrypted.eml'
            Invoke-OpenSsl cms -decrypt -in $encrypted -recip $users.rsa3072.certificatePath -inkey $users.rsa3072.privateKeyPath -out $decrypted | Out-Null
            Invoke-OpenSsl cms -verify -in $decrypted -CAfile $pki.chainPemPath -out (Join-Path $folder 'inner.txt') | Out-Null
            (Test-SmimeSignature -Path $encrypted -Identity $bob -TrustedRoot (Join-Path $pki.Folder 'root.crt') -Revocation None).Status | Should -Be 'Valid'

            # Nothing of a first try that was thrown away stays behind.
            (Get-ChildItem $folder -Force).Name | Sort-Object | Should -Be @('decrypted.eml', 'encrypted.eml', 'inner.txt', 'large.eml', 'signed.eml', 'verified.txt')
        }
    }

    Context 'refusals' {
        It 'refuses <Case> with <ErrorId>' -ForEach @(
            @{ Case = 'a 512-bit recipient'; To = 'rsa512'; ErrorId = 'WeakKey' }
            @{ Case = 'an expired recipient'; To = 'expired'; ErrorId = 'CertificateExpired' }
            @{ Case = 'a not yet valid recipient'; To = 'notyetvalid'; ErrorId = 'CertificateNotYetValid' }
            @{ Case = 'a recipient without keyEncipherment'; To = 'signonly'; ErrorId = 'KeyUsageNotPermitted' }
            @{ Case = 'a recipient without emailProtection'; To = 'wrongeku'; ErrorId = 'KeyUsageNotPermitted' }
        ) {
            $out = Join-Path $TestDrive "refused-$To.eml"
            { Protect-SmimeMessage -Path $message -To (Certificate $To) -Destination $out -ErrorAction Stop } |
                Should -Throw -ErrorId "$ErrorId,SmimeTools.Commands.ProtectSmimeMessageCommand"
            Test-Path $out | Should -BeFalse
        }

        It 'names the address and the key size for a small key' {
            Protect-SmimeMessage -Path $message -To (Certificate rsa512) -ErrorAction SilentlyContinue -ErrorVariable problem | Out-Null
            $problem[0].Exception.Message | Should -Match 'rsa512@example.com'
            $problem[0].Exception.Message | Should -Match '512-bit'
        }

        It 'refuses weak algorithms unless -AllowWeakAlgorithm' {
            { Protect-SmimeMessage -Path $message -To (Certificate rsa3072) -EncryptionAlgorithm TripleDesCbc -ErrorAction Stop } |
                Should -Throw -ErrorId 'WeakAlgorithm,SmimeTools.Commands.ProtectSmimeMessageCommand'
            { Protect-SmimeMessage -Path $message -SignWith $alice -DigestAlgorithm Sha1 -ErrorAction Stop } |
                Should -Throw -ErrorId 'WeakAlgorithm,SmimeTools.Commands.ProtectSmimeMessageCommand'
            $weak = Protect-SmimeMessage -Path $message -To (Certificate rsa512) -EncryptionAlgorithm TripleDesCbc -AllowWeakAlgorithm
            $opened = $weak | Unprotect-SmimeMessage -Identity (Identity rsa512)
            $opened.Layers[0].IsWeak | Should -BeTrue
        }

        It 'refuses a signer without its key' {
            { Protect-SmimeMessage -Path $message -SignWith (Certificate rsa2048) -ErrorAction Stop } |
                Should -Throw -ErrorId 'NoPrivateKey,SmimeTools.Commands.ProtectSmimeMessageCommand'
        }
    }

    Context 'files and the pipeline' {
        It 'never overwrites without -Force, and replaces atomically with it' {
            $out = Join-Path $TestDrive 'exists.eml'
            Set-Content $out 'original'
            { Protect-SmimeMessage -Path $message -SignWith $alice -Destination $out -ErrorAction Stop } |
                Should -Throw -ErrorId 'DestinationExists,SmimeTools.Commands.ProtectSmimeMessageCommand'
            Get-Content $out | Should -Be 'original'
            Protect-SmimeMessage -Path $message -SignWith $alice -Destination $out -Force | Out-Null
            Get-Content $out -Raw | Should -Match 'multipart/signed'
            Get-ChildItem $TestDrive -Filter '.*.tmp' -Force | Should -BeNullOrEmpty
        }

        It 'writes nothing with -WhatIf' {
            $out = Join-Path $TestDrive 'whatif.eml'
            Protect-SmimeMessage -Path $message -SignWith $alice -Destination $out -WhatIf
            Test-Path $out | Should -BeFalse
        }

        It 'protects every file Get-ChildItem finds into a folder' {
            $in = New-Item -ItemType Directory (Join-Path $TestDrive 'in')
            $outFolder = New-Item -ItemType Directory (Join-Path $TestDrive 'out')
            Copy-Item $message (Join-Path $in 'one.eml')
            Copy-Item $message (Join-Path $in 'two.eml')
            $results = Get-ChildItem $in -Filter *.eml | Protect-SmimeMessage -To (Certificate rsa3072) -Destination $outFolder
            $results | Should -HaveCount 2
            (Get-ChildItem $outFolder).Name | Sort-Object | Should -Be @('one.eml', 'two.eml')
        }

        It 'takes MIME text from the pipeline and returns the message in memory' {
            $result = Get-Content $message -Raw | Protect-SmimeMessage -SignWith $alice -Opaque
            $result.Content | Should -Not -BeNullOrEmpty
            $opened = $result | Unprotect-SmimeMessage
            $opened.Layers.Kind | Should -Be @('OpaqueSigned')
            [Text.Encoding]::UTF8.GetString($opened.Content) | Should -Match $originalText
        }
    }
}

Describe 'Unprotect-SmimeMessage' {
    It 'decrypts what openssl encrypts with <Cipher>' -ForEach @(@{ Cipher = '-aes-256-cbc' }, @{ Cipher = '-aes-128-gcm' }, @{ Cipher = '-des3' }) -Skip:(-not $hasOpenSsl) {
        $encrypted = Join-Path $TestDrive "openssl$Cipher.eml"
        Invoke-OpenSsl cms -encrypt -in $message $Cipher -out $encrypted $users.rsa3072.certificatePath | Out-Null
        $destination = Join-Path $TestDrive "openssl$Cipher-opened.eml"
        $result = Unprotect-SmimeMessage -Path $encrypted -Identity $bob -Destination $destination
        $result.Layers[0].OpenedBy | Should -Match $users.rsa3072.thumbprint
        Get-Content $destination -Raw | Should -Match 'figures.csv'
        $result.Layers[0].IsWeak | Should -Be ($Cipher -eq '-des3')
    }

    It 'unwraps what openssl signs opaquely' -Skip:(-not $hasOpenSsl) {
        $signed = Join-Path $TestDrive 'openssl-opaque.eml'
        Invoke-OpenSsl cms -sign -nodetach -in $message -signer $users.rsa2048.certificatePath -inkey $users.rsa2048.privateKeyPath -out $signed | Out-Null
        $result = Unprotect-SmimeMessage -Path $signed
        $result.Layers.Kind | Should -Be @('OpaqueSigned')
        [Text.Encoding]::UTF8.GetString($result.Content) | Should -Match 'figures.csv'
    }

    It 'says NoDecryptionKey, naming the recipients, when no key fits' {
        $encrypted = Protect-SmimeMessage -Path $message -To (Certificate rsa3072)
        $encrypted | Unprotect-SmimeMessage -Identity (Identity p256) -ErrorAction SilentlyContinue -ErrorVariable problem | Out-Null
        $problem[0].FullyQualifiedErrorId | Should -BeLike 'NoDecryptionKey,*'
        $problem[0].Exception.Message | Should -Match ($users.rsa3072.serialNumber.TrimStart('0').Substring(0, 8)) 
    }

    It 'says NotSmimeMessage for a plain message' {
        { Unprotect-SmimeMessage -Path $message -ErrorAction Stop } | Should -Throw -ErrorId 'NotSmimeMessage,SmimeTools.Commands.UnprotectSmimeMessageCommand'
    }

    It 'says MalformedMessage for a broken S/MIME part and leaves no file' {
        $broken = Join-Path $TestDrive 'broken.eml'
        "From: a@example.com`r`nMIME-Version: 1.0`r`nContent-Type: application/pkcs7-mime; smime-type=enveloped-data`r`nContent-Transfer-Encoding: base64`r`n`r`nMIAGCSqGSIb3DQEHA6CAMIACAQAxggEw`r`n" | Set-Content $broken -NoNewline
        $destination = Join-Path $TestDrive 'broken-opened.eml'
        { Unprotect-SmimeMessage -Path $broken -Identity $bob -Destination $destination -ErrorAction Stop } |
            Should -Throw -ErrorId 'MalformedMessage,SmimeTools.Commands.UnprotectSmimeMessageCommand'
        Test-Path $destination | Should -BeFalse
    }

    It 'says MalformedMessage for an S/MIME part that <Case> and leaves no file' -ForEach @(
        @{ Case = 'has no body'; Body = '' }
        @{ Case = 'decodes to nothing'; Body = "`r`n!!!!`r`n" }
        @{ Case = 'is empty inside multipart/signed'; Body = $null }
    ) {
        # Damaged in transit: it is still S/MIME, not a plain message (NotSmimeMessage) and not an UnexpectedError.
        $part = "Content-Type: application/pkcs7-mime; smime-type=enveloped-data; name=smime.p7m`r`nContent-Transfer-Encoding: base64`r`n"
        $text = "From: a@example.com`r`nMIME-Version: 1.0`r`n" + $(if ($null -ne $Body) { $part + $Body } else {
                "Content-Type: multipart/signed; protocol=`"application/pkcs7-signature`"; boundary=b`r`n`r`n--b`r`n$part`r`n--b`r`nContent-Type: application/pkcs7-signature`r`n`r`nAAAA`r`n--b--`r`n" })
        $damaged = Join-Path $TestDrive "empty-part-$($Case.Length).eml"
        [IO.File]::WriteAllText($damaged, $text)
        $destination = Join-Path $TestDrive "empty-part-$($Case.Length)-opened.eml"
        { Unprotect-SmimeMessage -Path $damaged -Identity $bob -RemoveSignature -Destination $destination -ErrorAction Stop } |
            Should -Throw -ErrorId 'MalformedMessage,SmimeTools.Commands.UnprotectSmimeMessageCommand'
        Test-Path $destination | Should -BeFalse
    }

    It 'says DecryptionFailed for tampered ciphertext and leaves no file' {
        $encrypted = Join-Path $TestDrive 'tamper.eml'
        Protect-SmimeMessage -Path $message -To (Certificate rsa3072) -EncryptionAlgorithm Aes256Gcm -Destination $encrypted | Out-Null
        $text = Get-Content $encrypted -Raw
        # Flip one base64 character well inside the ciphertext.
        $lines = $text -split "`r`n"
        $index = $lines.Count - 6
        $chars = $lines[$index].ToCharArray(); $chars[10] = if ($chars[10] -eq 'A') { 'B' } else { 'A' }; $lines[$index] = -join $chars
        $lines -join "`r`n" | Set-Content $encrypted -NoNewline
        $destination = Join-Path $TestDrive 'tamper-opened.eml'
        { Unprotect-SmimeMessage -Path $encrypted -Identity $bob -Destination $destination -ErrorAction Stop } |
            Should -Throw -ErrorId 'DecryptionFailed,SmimeTools.Commands.UnprotectSmimeMessageCommand'
        Test-Path $destination | Should -BeFalse
    }

    It 'says <ErrorId> for <Case> and leaves no file' -ForEach @(
        @{ Case = 'a truncated message'; ErrorId = 'MalformedMessage'; Damage = { param($t) $t.Substring(0, [int]($t.Length * 0.6)) } }
        @{ Case = 'broken base64'; ErrorId = 'MalformedMessage'; Damage = { param($t) $t -replace '(?m)^([A-Za-z0-9+/]{20})[A-Za-z0-9+/]{10}', '$1!!!!@@@@##' } }
    ) {
        # (CBC padding failures are tested on the engine, where the last block can be aimed at; GCM tampering above.)
        $encrypted = Join-Path $TestDrive "bad-$ErrorId-$($Case.Length).eml"
        Protect-SmimeMessage -Path $message -To (Certificate rsa3072) -EncryptionAlgorithm Aes256Cbc -Destination $encrypted | Out-Null
        $text = & $Damage (Get-Content $encrypted -Raw)
        Set-Content $encrypted $text -NoNewline
        $destination = Join-Path $TestDrive "bad-$ErrorId-$($Case.Length)-opened.eml"
        { Unprotect-SmimeMessage -Path $encrypted -Identity $bob -Destination $destination -ErrorAction Stop } |
            Should -Throw -ErrorId "$ErrorId,SmimeTools.Commands.UnprotectSmimeMessageCommand"
        Test-Path $destination | Should -BeFalse
        Get-ChildItem $TestDrive -Filter '.*.tmp' -Force | Should -BeNullOrEmpty
    }

    It 'says MalformedMessage for input that is not a message at all' {
        $junk = Join-Path $TestDrive 'junk.eml'
        [IO.File]::WriteAllBytes($junk, [byte[]](0..255))
        { Protect-SmimeMessage -Path $junk -SignWith $alice -ErrorAction Stop } |
            Should -Throw -ErrorId 'MalformedMessage,SmimeTools.Commands.ProtectSmimeMessageCommand'
    }

    It 'opens nothing with -WhatIf' {
        $encrypted = Protect-SmimeMessage -Path $message -To (Certificate rsa3072)
        $destination = Join-Path $TestDrive 'whatif-opened.eml'
        $encrypted | Unprotect-SmimeMessage -Identity $bob -Destination $destination -WhatIf
        Test-Path $destination | Should -BeFalse
    }
}
