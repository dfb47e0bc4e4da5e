# Resource limits through the cmdlets: crafted input stops with the limit's ErrorId, and the parameter of the same name raises it.
BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    Import-Module $ModulePath -Force
    $pki = Get-TestPki
    $message = $pki.sampleMessagePath
    $trust = @{ TrustedRoot = $pki.root.certificatePath; Crl = $pki.intermediate.crlDerPath, $pki.root.crlDerPath }
    $alice = Get-SmimeCertificate -Path $pki.users.rsa2048.pkcs12Path -Password $pki.SecurePassword
    $testId = 'SmimeTools.Commands.TestSmimeSignatureCommand'
    $headers = "From: alice@example.com`r`nTo: bob@example.com`r`nSubject: limits`r`nMIME-Version: 1.0`r`n"

    # A message whose body nests $Levels multiparts, each with a boundary of its own.
    function New-NestedMessage([int] $Levels) {
        $path = Join-Path $TestDrive "nested-$Levels.eml"
        $writer = [IO.StreamWriter]::new($path, $false, [Text.Encoding]::ASCII)
        try {
            $writer.Write($headers)
            for ($i = 0; $i -lt $Levels; $i++) {
                $writer.Write("Content-Type: multipart/mixed; boundary=b$i`r`n`r`n--b$i`r`n")
            }
            $writer.Write("Content-Type: text/plain`r`n`r`ndeep`r`n")
        }
        finally { $writer.Dispose() }
        $path
    }

    # A CompressedData layer (RFC 3274) of $Size zero bytes: a zlib bomb, made here as OpenSSL on Debian has no zlib.
    function New-ZeroBombMessage([long] $Size) {
        $compressed = [IO.MemoryStream]::new()
        $zlib = [IO.Compression.ZLibStream]::new($compressed, [IO.Compression.CompressionLevel]::Optimal, $true)
        $zeros = [byte[]]::new(1MB)
        for ($written = 0L; $written -lt $Size; $written += $zeros.Length) { $zlib.Write($zeros, 0, $zeros.Length) }
        $zlib.Dispose()
        $der = [System.Formats.Asn1.AsnWriter]::new([System.Formats.Asn1.AsnEncodingRules]::DER)
        $contentInfo = $der.PushSequence()
        $der.WriteObjectIdentifier('1.2.840.113549.1.9.16.1.9')
        $explicit = $der.PushSequence([System.Formats.Asn1.Asn1Tag]::new([System.Formats.Asn1.TagClass]::ContextSpecific, 0, $true))
        $compressedData = $der.PushSequence()
        $der.WriteInteger(0)
        $algorithm = $der.PushSequence(); $der.WriteObjectIdentifier('1.2.840.113549.1.9.16.3.8'); $algorithm.Dispose()
        $encapsulated = $der.PushSequence()
        $der.WriteObjectIdentifier('1.2.840.113549.1.7.1')
        $content = $der.PushSequence([System.Formats.Asn1.Asn1Tag]::new([System.Formats.Asn1.TagClass]::ContextSpecific, 0, $true))
        $der.WriteOctetString($compressed.ToArray())
        $content.Dispose(); $encapsulated.Dispose(); $compressedData.Dispose(); $explicit.Dispose(); $contentInfo.Dispose()
        $path = Join-Path $TestDrive "bomb-$Size.eml"
        [IO.File]::WriteAllText($path, $headers +
            "Content-Type: application/pkcs7-mime; smime-type=compressed-data; name=smime.p7z`r`nContent-Transfer-Encoding: base64`r`n`r`n" +
            [Convert]::ToBase64String($der.Encode(), [Base64FormattingOptions]::InsertLineBreaks) + "`r`n")
        $path
    }
}

Describe 'Resource limits' {
    Context 'nesting of MIME parts and layers' {
        It 'refuses a million nested parts at once, naming -MaximumNestingDepth' {
            $deep = New-NestedMessage 1000000
            $elapsed = Measure-Command {
                $result = Test-SmimeSignature -Path $deep @trust -ErrorAction SilentlyContinue -ErrorVariable problems
            }
            $result | Should -BeNullOrEmpty
            $problems.Count | Should -Be 1
            $problems[0].FullyQualifiedErrorId | Should -Be "NestingTooDeep,$testId"
            $problems[0].CategoryInfo.Category | Should -Be 'LimitsExceeded'
            $problems[0].ErrorDetails.RecommendedAction | Should -Match '-MaximumNestingDepth'
            $elapsed.TotalSeconds | Should -BeLessThan 60
            { Get-SmimeMessage -Path $deep -ErrorAction Stop } | Should -Not -Throw
            { Protect-SmimeMessage -Path $deep -SignWith $alice -ErrorAction Stop } |
                Should -Throw -ErrorId 'NestingTooDeep,SmimeTools.Commands.ProtectSmimeMessageCommand'
        }

        It 'goes one level deeper with -MaximumNestingDepth' {
            $seventeen = New-NestedMessage 17
            { Test-SmimeSignature -Path $seventeen @trust -ErrorAction Stop } | Should -Throw -ErrorId "NestingTooDeep,$testId"
            { Test-SmimeSignature -Path $seventeen @trust -MaximumNestingDepth 17 -ErrorAction Stop } | Should -Throw -ErrorId "NotSigned,$testId"
        }
    }

    Context 'MIME parts' {
        BeforeAll {
            # 200,000 empty parts under one boundary: 1.4 MB that MimeKit would otherwise hold as 200,000 objects.
            $flood = Join-Path $TestDrive 'flood.eml'
            [IO.File]::WriteAllText($flood, $headers + "Content-Type: multipart/mixed; boundary=b`r`n`r`n" + ("--b`r`n`r`n" * 200000) + "--b--`r`n")
        }

        It 'refuses a flood of empty parts at -MaximumPartCount, in every cmdlet that reads the message' {
            $result = Get-SmimeMessage -Path $flood -ErrorAction SilentlyContinue -ErrorVariable problems
            $result | Should -BeNullOrEmpty
            $problems.Count | Should -Be 1
            $problems[0].FullyQualifiedErrorId | Should -Be 'TooManyParts,SmimeTools.Commands.GetSmimeMessageCommand'
            $problems[0].CategoryInfo.Category | Should -Be 'LimitsExceeded'
            $problems[0].Exception.Message | Should -Match 'more than 10000 MIME parts'
            $problems[0].ErrorDetails.RecommendedAction | Should -Match '-MaximumPartCount'
            $problems[0].TargetObject | Should -Be $flood
            { Test-SmimeSignature -Path $flood @trust -ErrorAction Stop } | Should -Throw -ErrorId "TooManyParts,$testId"
            $signed = Join-Path $TestDrive 'flood-signed.eml'
            { Protect-SmimeMessage -Path $flood -SignWith $alice -Destination $signed -ErrorAction Stop } |
                Should -Throw -ErrorId 'TooManyParts,SmimeTools.Commands.ProtectSmimeMessageCommand'
            Test-Path $signed | Should -BeFalse
        }

        It 'reads the flood whole when -MaximumPartCount is raised' {
            (Get-SmimeMessage -Path $flood -MaximumPartCount 200001 -ErrorAction Stop).Subject | Should -Be 'limits'
        }

        It 'offers the limits of protection layers only where layers are opened' {
            foreach ($name in 'Unprotect-SmimeMessage', 'Test-SmimeSignature', 'Get-SmimeMessage', 'Update-SmimeEncryption') {
                $parameters = (Get-Command $name).Parameters
                foreach ($limit in 'MaximumNestingDepth', 'MaximumPartCount', 'MaximumDecompressedSize', 'MaximumCompressionRatio', 'MaximumCertificateCount') {
                    $parameters.ContainsKey($limit) | Should -BeTrue -Because "$name takes -$limit"
                }
            }
            $protect = (Get-Command Protect-SmimeMessage).Parameters
            $protect.ContainsKey('MaximumNestingDepth') | Should -BeTrue
            $protect.ContainsKey('MaximumPartCount') | Should -BeTrue
            foreach ($limit in 'MaximumDecompressedSize', 'MaximumCompressionRatio', 'MaximumCertificateCount') {
                $protect.ContainsKey($limit) | Should -BeFalse -Because "Protect-SmimeMessage opens no layer, so -$limit would do nothing"
            }
        }
    }

    Context 'PKCS#12 key-derivation work' {
        BeforeAll {
            # A real PKCS#12 file, written by .NET: a certificate, its key shrouded ten times and the MAC, each at
            # 200,000 iterations: 2,200,000 in all, past the default 2,000,000, in a file of a few KiB.
            $key = [System.Security.Cryptography.ECDsa]::Create([System.Security.Cryptography.ECCurve+NamedCurves]::nistP256)
            $request = [System.Security.Cryptography.X509Certificates.CertificateRequest]::new('CN=costly, E=costly@example.com', $key, 'SHA256')
            $now = [DateTimeOffset]::UtcNow
            $certificate = $request.CreateSelfSigned($now.AddDays(-1), $now.AddDays(30))
            $costly = [System.Security.Cryptography.PbeParameters]::new('Aes256Cbc', 'SHA256', 200000)
            $certificates = [System.Security.Cryptography.Pkcs.Pkcs12SafeContents]::new()
            [void] $certificates.AddCertificate($certificate)
            $keys = [System.Security.Cryptography.Pkcs.Pkcs12SafeContents]::new()
            foreach ($i in 1..10) { [void] $keys.AddShroudedKey($key, 'costly', $costly) }
            $builder = [System.Security.Cryptography.Pkcs.Pkcs12Builder]::new()
            $builder.AddSafeContentsUnencrypted($certificates)
            $builder.AddSafeContentsUnencrypted($keys)
            $builder.SealWithMac('costly', 'SHA256', 200000)
            $crafted = Join-Path $TestDrive 'costly.p12'
            [IO.File]::WriteAllBytes($crafted, $builder.Encode())
            $costlyPassword = ConvertTo-SecureString 'costly' -AsPlainText -Force
        }

        It 'refuses a file that asks for more iterations than -MaximumPkcs12Iterations, naming the total and the limit' {
            (Get-Item $crafted).Length | Should -BeLessThan 16KB
            $result = Get-SmimeCertificate -Path $crafted -Password $costlyPassword -ErrorAction SilentlyContinue -ErrorVariable problems
            $result | Should -BeNullOrEmpty
            $problems.Count | Should -Be 1
            $problems[0].FullyQualifiedErrorId | Should -Be 'TooManyPkcs12Iterations,SmimeTools.Commands.GetSmimeCertificateCommand'
            $problems[0].CategoryInfo.Category | Should -Be 'LimitsExceeded'
            $problems[0].Exception.Message | Should -Match ([regex]::Escape((2200000).ToString('N0')))
            $problems[0].Exception.Message | Should -Match ([regex]::Escape((2000000).ToString('N0')))
            $problems[0].ErrorDetails.RecommendedAction | Should -Match '-MaximumPkcs12Iterations'
            $problems[0].TargetObject | Should -Be $crafted
            { Import-SmimeIdentity -Path $crafted -Password $costlyPassword -CertStoreLocation 'Cert:\CurrentUser\SmimeToolsBudget' -ErrorAction Stop } |
                Should -Throw -ErrorId 'TooManyPkcs12Iterations,SmimeTools.Commands.ImportSmimeIdentityCommand'
            # The counts are in the clear, so the file is refused before its password is even checked.
            { Protect-SmimeMessage -Path $message -SignWith $crafted -Destination (Join-Path $TestDrive 'costly.eml') -ErrorAction Stop } |
                Should -Throw -ErrorId 'TooManyPkcs12Iterations,SmimeTools.Commands.ProtectSmimeMessageCommand'
        }

        It 'opens the file when -MaximumPkcs12Iterations is raised' {
            $opened = Get-SmimeCertificate -Path $crafted -Password $costlyPassword -MaximumPkcs12Iterations 2200000 -ErrorAction Stop
            @($opened).Count | Should -Be 1
            $opened.Thumbprint | Should -Be $certificate.Thumbprint
            $opened.KeyLocation | Should -Be 'File'
        }

        It 'holds an encrypted PKCS#8 key file to the same limit, and opens it when the limit is raised' {
            # The certificate with its key encrypted as openssl pkcs8 -v2 would, at 2,100,000 PBKDF2 iterations.
            $pem = Join-Path $TestDrive 'costly-key.pem'
            $slow = [System.Security.Cryptography.PbeParameters]::new('Aes256Cbc', 'SHA256', 2100000)
            [IO.File]::WriteAllText($pem, $certificate.ExportCertificatePem() + "`n" + $key.ExportEncryptedPkcs8PrivateKeyPem('costly', $slow) + "`n")
            { Get-SmimeCertificate -Path $pem -Password $costlyPassword -ErrorAction Stop } |
                Should -Throw -ErrorId 'TooManyPkcs12Iterations,SmimeTools.Commands.GetSmimeCertificateCommand'
            $opened = Get-SmimeCertificate -Path $pem -Password $costlyPassword -MaximumPkcs12Iterations 2100000 -ErrorAction Stop
            $opened.Thumbprint | Should -Be $certificate.Thumbprint
            $opened.HasUsableKey | Should -BeTrue
            (Get-Content $pem -Raw) | Should -Match 'ENCRYPTED PRIVATE KEY'
        }

        It 'opens the test PKI files with the default' {
            (Get-SmimeCertificate -Path $pki.users.rsa2048.pkcs12Path -Password $pki.SecurePassword -ErrorAction Stop |
                Where-Object KeyLocation -EQ 'File').Count | Should -Be 1
        }
    }

    Context 'compressed layers' {
        BeforeAll { $bomb = New-ZeroBombMessage 16MB }

        It 'stops a zlib bomb at the ratio, then at the size, and opens it when both are raised' {
            (Get-Item $bomb).Length | Should -BeLessThan 1MB
            { Unprotect-SmimeMessage -Path $bomb -ErrorAction Stop } |
                Should -Throw -ErrorId 'CompressionRatioTooHigh,SmimeTools.Commands.UnprotectSmimeMessageCommand'
            { Get-SmimeMessage -Path $bomb -MaximumCompressionRatio 100000 -MaximumDecompressedSize 4MB -ErrorAction Stop } |
                Should -Throw -ErrorId 'DecompressedTooLarge,SmimeTools.Commands.GetSmimeMessageCommand'
            $opened = Join-Path $TestDrive 'opened.eml'
            $result = Unprotect-SmimeMessage -Path $bomb -Destination $opened -MaximumCompressionRatio 100000 -MaximumDecompressedSize 32MB
            $result.Layers.Kind | Should -Be 'Compressed'
            (Get-Item $opened).Length | Should -BeGreaterThan 16MB
        }
    }

    Context 'certificates, CRLs and paths of a signature' {
        BeforeAll {
            $signed = Join-Path $TestDrive 'signed.eml'
            Protect-SmimeMessage -Path $message -SignWith $alice -Destination $signed | Out-Null
        }

        It 'is valid within the default limits' {
            (Test-SmimeSignature -Path $signed @trust).IsValid | Should -BeTrue
        }

        It 'refuses a signed layer with more certificates than -MaximumCertificateCount' {
            { Test-SmimeSignature -Path $signed @trust -MaximumCertificateCount 1 -ErrorAction Stop } | Should -Throw -ErrorId "TooManyCertificates,$testId"
        }

        It 'refuses a path longer than -MaximumPathLength' {
            { Test-SmimeSignature -Path $signed @trust -MaximumPathLength 1 -ErrorAction Stop } | Should -Throw -ErrorId "PathTooLong,$testId"
        }

        It 'refuses a CRL file larger than -MaximumCrlSize, and more CRLs than -MaximumCrlCount' {
            { Test-SmimeSignature -Path $signed @trust -MaximumCrlSize 10 -ErrorAction Stop } | Should -Throw -ErrorId "CrlTooLarge,$testId"
            { Test-SmimeSignature -Path $signed @trust -MaximumCrlCount 1 -ErrorAction Stop } | Should -Throw -ErrorId "TooManyCrls,$testId"
        }

        It 'counts candidate paths, not certificates, against -MaximumPathCandidates' {
            (Test-SmimeSignature -Path $signed @trust -MaximumPathCandidates 1).IsValid | Should -BeTrue
        }

        It 'stops in a cross-certified mesh at -MaximumPathCandidates' {
            # Seven CAs, each certified by every other, none by the root trusted: thousands of loop-free dead ends.
            $sc = [System.Security.Cryptography.X509Certificates.X509Certificate2]
            $ext = [System.Security.Cryptography.X509Certificates.X509BasicConstraintsExtension]
            $keys = 0..6 | ForEach-Object { [System.Security.Cryptography.ECDsa]::Create([System.Security.Cryptography.ECCurve+NamedCurves]::nistP256) }
            $names = 0..6 | ForEach-Object { [System.Security.Cryptography.X509Certificates.X500DistinguishedName]::new("CN=Mesh CA $_") }
            $from = [DateTimeOffset]::UtcNow.AddDays(-1); $to = [DateTimeOffset]::UtcNow.AddDays(30)
            $serial = 1
            $mesh = foreach ($s in 0..6) {
                foreach ($i in 0..6) {
                    if ($i -eq $s) { continue }
                    $request = [System.Security.Cryptography.X509Certificates.CertificateRequest]::new($names[$s], $keys[$s], 'SHA256')
                    $request.CertificateExtensions.Add($ext::new($true, $false, 0, $true))
                    $request.CertificateExtensions.Add([System.Security.Cryptography.X509Certificates.X509KeyUsageExtension]::new('KeyCertSign, CrlSign', $true))
                    $request.Create($names[$i], [System.Security.Cryptography.X509Certificates.X509SignatureGenerator]::CreateForECDsa($keys[$i]), $from, $to, [byte[]] @(0, ($serial++)))
                }
            }
            $userKey = [System.Security.Cryptography.ECDsa]::Create([System.Security.Cryptography.ECCurve+NamedCurves]::nistP256)
            $request = [System.Security.Cryptography.X509Certificates.CertificateRequest]::new('CN=meshed, E=alice@example.com', $userKey, 'SHA256')
            $request.CertificateExtensions.Add([System.Security.Cryptography.X509Certificates.X509KeyUsageExtension]::new('DigitalSignature, NonRepudiation', $true))
            $emailProtection = [System.Security.Cryptography.OidCollection]::new()
            [void] $emailProtection.Add([System.Security.Cryptography.Oid]::new('1.3.6.1.5.5.7.3.4'))
            $request.CertificateExtensions.Add([System.Security.Cryptography.X509Certificates.X509EnhancedKeyUsageExtension]::new($emailProtection, $false))
            $san = [System.Security.Cryptography.X509Certificates.SubjectAlternativeNameBuilder]::new(); $san.AddEmailAddress('alice@example.com')
            $request.CertificateExtensions.Add($san.Build())
            $user = $request.Create($names[0], [System.Security.Cryptography.X509Certificates.X509SignatureGenerator]::CreateForECDsa($keys[0]), $from, $to, [byte[]] @(1, 0))
            $user = [System.Security.Cryptography.X509Certificates.ECDsaCertificateExtensions]::CopyWithPrivateKey($user, $userKey)
            $meshSigned = Join-Path $TestDrive 'mesh.eml'
            Protect-SmimeMessage -Path $message -SignWith $user -Destination $meshSigned -WarningAction SilentlyContinue | Out-Null

            $meshTrust = @{ TrustedRoot = $pki.root.certificatePath; ExtraCertificate = @($mesh); Revocation = 'None'; NoSystemTrust = $true }
            { Test-SmimeSignature -Path $meshSigned @meshTrust -ErrorAction Stop } | Should -Throw -ErrorId "TooManyPathCandidates,$testId"
            # Raised, the whole mesh is searched and the answer is the real one: no path reaches the root trusted.
            $searched = Test-SmimeSignature -Path $meshSigned @meshTrust -MaximumPathCandidates 100000 -ErrorAction Stop
            $searched.IsValid | Should -BeFalse
            $searched.Status | Should -BeIn 'PartialChain', 'UntrustedRoot'
        }
    }
}
