# Test-SmimeSignature through the real cmdlet: signatures made by Protect-SmimeMessage and by openssl cms.
BeforeDiscovery {
    $script:hasOpenSsl = [bool](Get-Command openssl -ErrorAction Ignore)
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    Import-Module $ModulePath -Force
    $pki = Get-TestPki
    $users = $pki.users
    $message = $pki.sampleMessagePath
    $trust = @{ TrustedRoot = $pki.root.certificatePath; Crl = $pki.intermediate.crlDerPath, $pki.root.crlDerPath }
    function Identity([string] $Name) {
        Get-SmimeCertificate -Path $users.$Name.pkcs12Path -Password $pki.SecurePassword
    }
    $alice = Identity rsa2048
    $bob = Identity rsa3072

    # Signs a small text entity with openssl (which signs whatever certificate it is given) and adds From/To.
    function New-OpenSslSigned([string] $Name, [string] $From, [string] $Text = 'Hello world') {
        $body = Join-Path $TestDrive "$Name-body.txt"
        [IO.File]::WriteAllText($body, "Content-Type: text/plain`n`n$Text`n")
        $signed = Join-Path $TestDrive "$Name-signed.txt"
        $output = & openssl cms -sign -in $body -signer $users.$Name.certificatePath -inkey $users.$Name.privateKeyPath `
            -certfile $pki.intermediate.certificatePath -out $signed 2>&1
        if ($LASTEXITCODE -ne 0) { throw "openssl cms -sign failed: $output" }
        $path = Join-Path $TestDrive "$Name-$([guid]::NewGuid().ToString('n').Substring(0, 6)).eml"
        [IO.File]::WriteAllText($path, "From: $From`nTo: bob@example.com`nSubject: test`n" + [IO.File]::ReadAllText($signed))
        $path
    }
}

Describe 'Test-SmimeSignature' {
    Context 'signatures made by Protect-SmimeMessage' {
        BeforeAll {
            $signed = Join-Path $TestDrive 'signed.eml'
            Protect-SmimeMessage -Path $message -SignWith $alice -Destination $signed | Out-Null
        }

        It 'says valid with the test root trusted' {
            $result = Test-SmimeSignature -Path $signed @trust
            $result.IsValid | Should -BeTrue
            $result.Status | Should -Be 'Valid'
            $result.Problems | Should -BeNullOrEmpty
            $result.SignerEmail | Should -Be 'alice@example.com'
            $result.Thumbprint | Should -Be $users.rsa2048.thumbprint
            $result.Chain.Count | Should -Be 3
            $result.SigningTime | Should -Not -BeNullOrEmpty
            $result.DigestAlgorithm | Should -Be 'SHA-256'
            $result.SmimeCapabilities | Should -Not -BeNullOrEmpty
            $result.CoveredParts -join ';' | Should -Match 'figures\.csv'
            $result.UncoveredParts | Should -BeNullOrEmpty
        }

        It 'says untrusted without the root' {
            $result = Test-SmimeSignature -Path $signed -NoSystemTrust
            $result.IsValid | Should -BeFalse
            $result.Status | Should -BeIn 'UntrustedRoot', 'PartialChain'
        }

        It 'returns one boolean with -Quiet' {
            Test-SmimeSignature -Path $signed @trust -Quiet | Should -BeExactly $true
            Test-SmimeSignature -Path $signed -NoSystemTrust -Quiet | Should -BeExactly $false
        }

        It 'takes messages from the pipeline' {
            $results = Get-Item $signed, $signed | Test-SmimeSignature @trust
            $results.Count | Should -Be 2
        }

        It 'says ContentModified when a byte of the signed part changed' {
            $text = [IO.File]::ReadAllText($signed)
            $changed = Join-Path $TestDrive 'changed.eml'
            [IO.File]::WriteAllText($changed, $text.Replace('Quarterly figures attached', 'Quarterly figures Attached').Replace('figures.csv', 'figures.CSV'))
            $result = Test-SmimeSignature -Path $changed @trust
            $result.Status | Should -Be 'ContentModified'
            $result.Problems.Code | Should -Contain 'ContentModified'
        }

        It 'checks opaque signed messages' {
            $opaque = Join-Path $TestDrive 'opaque.eml'
            Protect-SmimeMessage -Path $message -SignWith $alice -Opaque -Destination $opaque | Out-Null
            $result = Test-SmimeSignature -Path $opaque @trust
            $result.IsValid | Should -BeTrue
            $result.SignatureKind | Should -Match 'pkcs7-mime'
        }

        It 'checks the signature inside an encrypted layer with -Identity' {
            $encrypted = Join-Path $TestDrive 'encrypted.eml'
            Protect-SmimeMessage -Path $message -SignWith $alice -To $bob -Destination $encrypted | Out-Null
            { Test-SmimeSignature -Path $encrypted @trust -ErrorAction Stop } | Should -Throw -ErrorId 'NotSigned,SmimeTools.Commands.TestSmimeSignatureCommand'
            $result = Test-SmimeSignature -Path $encrypted @trust -Identity $bob
            $result.IsValid | Should -BeTrue
            $result.SignatureKind | Should -Match 'encrypted'
        }

        It 'writes NotSigned for a message without signature, and -Quiet says false' {
            { Test-SmimeSignature -Path $message -ErrorAction Stop } | Should -Throw -ErrorId 'NotSigned,SmimeTools.Commands.TestSmimeSignatureCommand'
            Test-SmimeSignature -Path $message -Quiet | Should -BeExactly $false
        }

        It 'validates at -At' {
            $result = Test-SmimeSignature -Path $signed @trust -At ([datetime]::UtcNow.AddYears(5))
            $result.Problems.Code | Should -Contain 'Expired'
        }
    }

    Context 'signatures made by openssl' -Skip:(-not $hasOpenSsl) {
        It 'says valid for a good signer (LF line ends in the file)' {
            $path = New-OpenSslSigned rsa2048 'alice@example.com'
            $result = Test-SmimeSignature -Path $path @trust
            $result.Status | Should -Be 'Valid'
        }

        It 'says <Status> for the <Name> signer' -ForEach @(
            @{ Name = 'expired'; Status = 'Expired' }
            @{ Name = 'revoked'; Status = 'Revoked' }
            @{ Name = 'wrongeku'; Status = 'KeyUsageNotPermitted' }
        ) {
            $path = New-OpenSslSigned $Name "$Name@example.com"
            $result = Test-SmimeSignature -Path $path @trust
            $result.IsValid | Should -BeFalse
            $result.Problems.Code | Should -Contain $Status
        }

        It 'says EmailMismatch when the certificate is not the sender''s' {
            $path = New-OpenSslSigned mismatch 'Mallory <mallory@example.com>'
            $result = Test-SmimeSignature -Path $path @trust
            $result.Status | Should -Be 'EmailMismatch'
            $result.MessageAddresses | Should -Be 'mallory@example.com'
        }

        It 'matches addresses case-insensitively' {
            $path = New-OpenSslSigned uppercase 'upper.case@example.com'
            $result = Test-SmimeSignature -Path $path @trust
            $result.Problems.Code | Should -Not -Contain 'EmailMismatch'
            $result.IsValid | Should -BeTrue
        }

        It 'gives one result per signer of a message signed twice' {
            $body = Join-Path $TestDrive 'two-body.txt'
            [IO.File]::WriteAllText($body, "Content-Type: text/plain`n`nSigned by two`n")
            $signed = Join-Path $TestDrive 'two-signed.txt'
            $output = & openssl cms -sign -in $body -signer $users.rsa2048.certificatePath -inkey $users.rsa2048.privateKeyPath `
                -signer $users.expired.certificatePath -inkey $users.expired.privateKeyPath -certfile $pki.intermediate.certificatePath -out $signed 2>&1
            if ($LASTEXITCODE -ne 0) { throw "openssl cms -sign failed: $output" }
            $path = Join-Path $TestDrive 'two.eml'
            [IO.File]::WriteAllText($path, "From: alice@example.com`n" + [IO.File]::ReadAllText($signed))
            $results = @(Test-SmimeSignature -Path $path @trust)
            $results.Count | Should -Be 2
            ($results | Where-Object SignerEmail -EQ 'alice@example.com').Status | Should -Be 'Valid'
            ($results | Where-Object SignerEmail -EQ 'expired@example.com').Problems.Code | Should -Contain 'Expired'
            Test-SmimeSignature -Path $path @trust -Quiet | Should -BeExactly $false
        }

        It 'reports a footer part outside the signature and stays valid' {
            $signedPath = New-OpenSslSigned rsa2048 'alice@example.com'
            $text = [IO.File]::ReadAllText($signedPath)
            $split = $text.IndexOf('MIME-Version:')
            $path = Join-Path $TestDrive 'footer-outside.eml'
            [IO.File]::WriteAllText($path, $text.Substring(0, $split) + "MIME-Version: 1.0`nContent-Type: multipart/mixed; boundary=`"list`"`n`n--list`n" +
                $text.Substring($split).Replace("MIME-Version: 1.0`n", '') + "`n--list`nContent-Type: text/plain`n`nTo unsubscribe, write to list@example.com`n--list--`n")
            $result = Test-SmimeSignature -Path $path @trust
            $result.IsValid | Should -BeTrue
            $result.CoveredParts -join ';' | Should -Match 'text/plain'
            $result.UncoveredParts -join ';' | Should -Match '^2 text/plain'
        }

        It 'explains a footer added inside the signed part' {
            $signedPath = New-OpenSslSigned rsa2048 'alice@example.com'
            $path = Join-Path $TestDrive 'footer-inside.eml'
            [IO.File]::WriteAllText($path, ([IO.File]::ReadAllText($signedPath) -replace "Hello world(\r?\n)", "Hello world`$1_______________`$1List footer`$1"))
            $result = Test-SmimeSignature -Path $path @trust
            $result.Status | Should -Be 'ContentModified'
            $result.Problems[0].Message | Should -Match 'footer'
        }
    }

    Context 'attached messages' {
        BeforeAll {
            $inner = [Text.Encoding]::ASCII.GetString((Protect-SmimeMessage -Path $message -SignWith $alice).Content)
            $wrapper = Join-Path $TestDrive 'forwarded.eml'
            [IO.File]::WriteAllText($wrapper, "From: mallory@example.com`r`nTo: bob@example.com`r`nSubject: Fwd`r`nMIME-Version: 1.0`r`n" +
                "Content-Type: multipart/mixed; boundary=`"outer`"`r`n`r`n--outer`r`nContent-Type: text/plain`r`n`r`nSee the attached.`r`n" +
                "--outer`r`nContent-Type: message/rfc822`r`n`r`n$inner`r`n--outer--`r`n")
        }

        It 'checks the signature of an attached message as that message''s own' {
            $result = Test-SmimeSignature -Path $wrapper @trust -ErrorAction SilentlyContinue -ErrorVariable problems
            $result.AttachedMessage | Should -Be '2'
            $result.IsValid | Should -BeTrue
            $result.SignerEmail | Should -Be 'alice@example.com'
            $problems[0].FullyQualifiedErrorId | Should -Be 'NotSigned,SmimeTools.Commands.TestSmimeSignatureCommand'
        }

        It 'does not call an unsigned message signed because it carries a signed one (-Quiet)' {
            Test-SmimeSignature -Path $wrapper @trust -Quiet | Should -BeFalse
        }
    }

    Context 'bad input' {
        BeforeAll {
            # A multipart/signed around any signature part, so the damage is in the CMS, not in the MIME.
            function New-SignedWith([string] $Name, [byte[]] $Signature) {
                $base64 = [Convert]::ToBase64String($Signature, 'InsertLineBreaks')
                $path = Join-Path $TestDrive "$Name.eml"
                [IO.File]::WriteAllText($path, "From: alice@example.com`r`nMIME-Version: 1.0`r`n" +
                    "Content-Type: multipart/signed; protocol=`"application/pkcs7-signature`"; micalg=sha-256; boundary=`"b`"`r`n`r`n" +
                    "--b`r`nContent-Type: text/plain`r`n`r`nHello`r`n--b`r`nContent-Type: application/pkcs7-signature`r`n" +
                    "Content-Transfer-Encoding: base64`r`n`r`n$base64`r`n--b--`r`n")
                $path
            }
            $good = Join-Path $TestDrive 'good-for-damage.eml'
            Protect-SmimeMessage -Path $message -SignWith $alice -Destination $good | Out-Null
        }

        It 'says MalformedMessage for a signature part of random bytes, and -Quiet says false' {
            $path = New-SignedWith 'random' ([byte[]](1..300 | ForEach-Object { Get-Random -Maximum 256 }))
            { Test-SmimeSignature -Path $path @trust -ErrorAction Stop } | Should -Throw -ErrorId 'MalformedMessage,SmimeTools.Commands.TestSmimeSignatureCommand'
            Test-SmimeSignature -Path $path @trust -Quiet | Should -BeExactly $false
        }

        It 'says MalformedMessage for a truncated signature' {
            $text = [IO.File]::ReadAllText($good)
            $start = $text.IndexOf('application/pkcs7-signature', $text.IndexOf('--', $text.IndexOf('boundary')))
            $body = $text.IndexOf("`r`n`r`n", $start) + 4
            $cut = Join-Path $TestDrive 'truncated-signature.eml'
            $signature = [Convert]::FromBase64String(($text.Substring($body) -split '--')[0])
            [IO.File]::WriteAllText($cut, $text.Substring(0, $body) + [Convert]::ToBase64String($signature, 0, 200, 'InsertLineBreaks') + "`r`n" + $text.Substring($text.IndexOf('--', $body)))
            { Test-SmimeSignature -Path $cut @trust -ErrorAction Stop } | Should -Throw -ErrorId 'MalformedMessage,SmimeTools.Commands.TestSmimeSignatureCommand'
        }

        It 'says a signature without signers signs nothing' -Skip:(-not $hasOpenSsl) {
            # A certificates-only SignedData (as openssl crl2pkcs7 makes) in the signature part.
            $p7 = Join-Path $TestDrive 'certs-only.p7'
            & openssl crl2pkcs7 -nocrl -certfile $users.rsa2048.certificatePath -outform DER -out $p7 2>&1 | Out-Null
            $path = New-SignedWith 'no-signer' ([IO.File]::ReadAllBytes($p7))
            $result = Test-SmimeSignature -Path $path @trust
            $result | Should -HaveCount 1
            $result.IsValid | Should -BeFalse
            $result.Status | Should -Be 'MalformedSignature'
            Test-SmimeSignature -Path $path @trust -Quiet | Should -BeExactly $false
        }

        It 'says MalformedMessage for a DER file that is not CMS, and for an empty file' {
            $der = Join-Path $TestDrive 'not-cms.der'
            Copy-Item ($users.rsa2048.certificatePath -replace "\.crt$", ".cer") $der
            { Test-SmimeSignature -Path $der @trust -ErrorAction Stop } | Should -Throw -ErrorId 'MalformedMessage,SmimeTools.Commands.TestSmimeSignatureCommand'
            $empty = Join-Path $TestDrive 'empty.eml'
            [IO.File]::WriteAllBytes($empty, [byte[]]::new(0))
            { Test-SmimeSignature -Path $empty @trust -ErrorAction Stop } | Should -Throw -ErrorId 'MalformedMessage,SmimeTools.Commands.TestSmimeSignatureCommand'
        }

        It 'checks a bare DER signed file as a layer' -Skip:(-not $hasOpenSsl) {
            $body = Join-Path $TestDrive 'bare-body.txt'
            [IO.File]::WriteAllText($body, "Content-Type: text/plain`r`n`r`nHello`r`n")
            $p7m = Join-Path $TestDrive 'bare.p7m'
            & openssl cms -sign -nodetach -binary -in $body -signer $users.rsa2048.certificatePath -inkey $users.rsa2048.privateKeyPath `
                -certfile $pki.intermediate.certificatePath -outform DER -out $p7m 2>&1 | Out-Null
            $result = Test-SmimeSignature -Path $p7m @trust
            $result.IsValid | Should -BeTrue -Because ($result.Problems -join '; ')
            $result.SignatureKind | Should -BeLike 'application/pkcs7-mime*'
            $result.CoveredParts -join ';' | Should -Match 'text/plain'
        }
    }

    Context 'certificate policies (-Policy)' {
        BeforeAll {
            $policy = '1.3.6.1.4.1.55555.1.1'
        }

        It 'refuses a value that is no OID, before reading any file, with InvalidPolicyOid' {
            $missing = Join-Path $TestDrive 'no-such-root.crt'
            $problem = $null
            try { Test-SmimeSignature -Path $message -TrustedRoot $missing -Policy '1.2.3', 'any-policy' -ErrorAction Stop }
            catch { $problem = $_ }
            $problem.FullyQualifiedErrorId | Should -Be 'InvalidPolicyOid,SmimeTools.Commands.TestSmimeSignatureCommand'
            $problem.TargetObject | Should -Be 'any-policy'
            $problem.Exception.Message | Should -BeLike "*'any-policy'*"
        }

        It 'completes -Policy with anyPolicy' {
            $line = 'Test-SmimeSignature -Policy any'
            $completion = TabExpansion2 -inputScript $line -cursorColumn $line.Length
            $completion.CompletionMatches.CompletionText | Should -Contain 'anyPolicy'
        }

        It 'takes anyPolicy (any case) as 2.5.29.32.0 for a path that must carry an explicit policy' -Skip:(-not $hasOpenSsl) {
            # A CA and a user certificate of one policy, made by openssl; the explicit policy requirement makes the policy count.
            $folder = Join-Path $TestDrive 'policy-pki'
            New-Item -ItemType Directory -Path $folder | Out-Null
            $rootKey = Join-Path $folder 'root.key'; $rootCrt = Join-Path $folder 'root.crt'
            $userKey = Join-Path $folder 'user.key'; $userCsr = Join-Path $folder 'user.csr'; $userCrt = Join-Path $folder 'user.crt'
            $extensions = Join-Path $folder 'user.ext'
            [IO.File]::WriteAllText($extensions, "basicConstraints=critical,CA:FALSE`nkeyUsage=critical,digitalSignature`nextendedKeyUsage=emailProtection`nsubjectAltName=email:alice@example.com`ncertificatePolicies=$policy`n")
            & openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout $rootKey -out $rootCrt -days 30 -subj '/CN=Policy Root' 2>&1 | Out-Null
            & openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout $userKey -out $userCsr -subj '/CN=Alice' 2>&1 | Out-Null
            $output = & openssl x509 -req -in $userCsr -CA $rootCrt -CAkey $rootKey -CAcreateserial -days 30 -extfile $extensions -out $userCrt 2>&1
            if ($LASTEXITCODE -ne 0) { throw "openssl x509 -req failed: $output" }
            $identityFile = Join-Path $folder 'alice.pem'
            [IO.File]::WriteAllText($identityFile, [IO.File]::ReadAllText($userCrt) + [IO.File]::ReadAllText($userKey))
            $signed = Join-Path $TestDrive 'policy-signed.eml'
            Protect-SmimeMessage -Path $message -SignWith (Get-SmimeCertificate -Path $identityFile) -Destination $signed | Out-Null
            $strict = @{ Path = $signed; TrustedRoot = $rootCrt; NoSystemTrust = $true; Revocation = 'None'; RequireExplicitPolicy = $true }

            foreach ($any in 'anyPolicy', 'ANYPOLICY', '2.5.29.32.0') {
                $result = Test-SmimeSignature @strict -Policy $any
                $result.IsValid | Should -BeTrue -Because "-Policy ${any}: $($result.Problems -join '; ')"
                $result.Validation.UserConstrainedPolicies | Should -Contain $policy
            }
            (Test-SmimeSignature @strict -Policy $policy).IsValid | Should -BeTrue
            $other = Test-SmimeSignature @strict -Policy '1.3.6.1.4.1.55555.1.2'
            $other.IsValid | Should -BeFalse
            $other.Validation.Problems.Code | Should -Contain 'PolicyViolation'
        }
    }
}
