# Real-world messages and identities from ../shared/corpora through the cmdlets. Skipped, with the reason, when
# the corpus folder or openssl is absent; the corpus is read in place and never copied into the repository.
BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $script:corpus = if ($env:SMIMETOOLS_CORPORA) { $env:SMIMETOOLS_CORPORA } else { Join-Path (Split-Path $RepoRoot -Parent) 'shared/corpora' }
    $script:noCorpus = -not (Test-Path (Join-Path $corpus 'rfc4134'))
    $script:noOpenSsl = -not (Get-Command openssl -ErrorAction Ignore)
    $script:openSslIdentities = @('smrsa1', 'smrsa2', 'smrsa3') | ForEach-Object { @{ Name = $_ } }
    $script:openSslEcIdentities = @('smec1', 'smec2') | ForEach-Object { @{ Name = $_ } }
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    Import-Module $ModulePath -Force
    $corpus = if ($env:SMIMETOOLS_CORPORA) { $env:SMIMETOOLS_CORPORA } else { Join-Path (Split-Path $RepoRoot -Parent) 'shared/corpora' }
    function ConvertTo-PemIdentity([string] $Certificate, [string] $Key, [string] $Destination) {
        # RFC 4134 keeps DER certificates and DER PKCS#8 keys apart; one PEM file pairs them for Get-SmimeCertificate.
        $certificatePem = & openssl x509 -inform DER -in $Certificate
        $keyPem = & openssl pkey -inform DER -in $Key
        ($certificatePem + $keyPem) -join "`n" | Set-Content $Destination
        Get-SmimeCertificate -Path $Destination
    }
}

Describe 'RFC 4134 messages' -Skip:($noCorpus -or $noOpenSsl) {
    It 'decrypts example 5.3 with Bob''s key' {
        $bob = ConvertTo-PemIdentity (Join-Path $corpus 'rfc4134/BobRSASignByCarl.cer') (Join-Path $corpus 'rfc4134/BobPrivRSAEncrypt.pri') (Join-Path $TestDrive 'bob.pem')
        $bob.HasPrivateKey | Should -BeTrue
        $opened = Unprotect-SmimeMessage -Path (Join-Path $corpus 'rfc4134/5.3.eml') -Identity $bob
        $opened.Layers.Kind | Should -Be @('Enveloped')
        $opened.Layers[0].Algorithm | Should -Be '3DES-CBC'
        $opened.Layers[0].IsWeak | Should -BeTrue
        $opened.Layers[0].Note | Should -Match 'not a MIME entity'
        $opened.ContentType | Should -Be 'text/plain'
        $opened.Subject | Should -Be 'Example 5.3'
        [Text.Encoding]::ASCII.GetString($opened.Content) | Should -Match 'This is some sample content.'
    }

    It 'unwraps the opaque signed example 4.9 and checks its signature' {
        $opened = Unprotect-SmimeMessage -Path (Join-Path $corpus 'rfc4134/4.9.eml')
        $opened.Layers.Kind | Should -Be @('OpaqueSigned')
        $opened.Layers[0].Signers | Should -HaveCount 1
        $opened.Layers[0].Signers[0] | Should -BeLike 'Valid:*'
        [Text.Encoding]::ASCII.GetString($opened.Content) | Should -Match 'This is some sample content.'
    }

    It 'takes the signature off the multipart/signed example 4.8 only with -RemoveSignature' {
        { Unprotect-SmimeMessage -Path (Join-Path $corpus 'rfc4134/4.8.eml') -ErrorAction Stop } |
            Should -Throw -ErrorId 'NotSmimeMessage,SmimeTools.Commands.UnprotectSmimeMessageCommand'
        $opened = Unprotect-SmimeMessage -Path (Join-Path $corpus 'rfc4134/4.8.eml') -RemoveSignature
        $opened.Layers.Kind | Should -Be @('DetachedSigned')
        [Text.Encoding]::ASCII.GetString($opened.Content) | Should -Match 'This is some sample content.'
    }
}

Describe 'RFC 9216 header-protection sample' -Skip:$noCorpus {
    It 'unwraps the one-part opaque message signed by Alice' {
        $opened = Unprotect-SmimeMessage -Path (Join-Path $corpus 'rfc9216/header-protection-sample/smime-one-part.eml')
        $opened.From | Should -Match 'alice@smime.example'
        $opened.Layers[0].Signers[0] | Should -BeLike 'Valid:*Alice*'
        [Text.Encoding]::UTF8.GetString($opened.Content) | Should -Match 'This is the smime-one-part message.'
    }
}

Describe 'OpenSSL test identities' -Skip:($noCorpus -or $noOpenSsl) {
    BeforeAll {
        $certs = Join-Path $corpus 'openssl/smime-certs'
        $message = (Get-TestPki).sampleMessagePath
    }

    It '<Name>: what we sign openssl verifies; what we encrypt openssl decrypts' -ForEach $openSslIdentities {
        $identity = Get-SmimeCertificate -Path (Join-Path $certs "$Name.pem")
        $identity.HasPrivateKey | Should -BeTrue
        $signed = Join-Path $TestDrive "$Name-signed.eml"
        Protect-SmimeMessage -Path $message -SignWith $identity -Destination $signed | Out-Null
        & openssl cms -verify -in $signed -CAfile (Join-Path $certs 'smroot.pem') -out (Join-Path $TestDrive "$Name-verified.eml") 2>&1 | Out-Null
        $LASTEXITCODE | Should -Be 0
        $encrypted = Join-Path $TestDrive "$Name-encrypted.eml"
        Protect-SmimeMessage -Path $message -To $identity -Destination $encrypted | Out-Null
        $decrypted = Join-Path $TestDrive "$Name-decrypted.eml"
        & openssl cms -decrypt -in $encrypted -recip (Join-Path $certs "$Name.pem") -out $decrypted 2>&1 | Out-Null
        $LASTEXITCODE | Should -Be 0
        Get-Content $decrypted -Raw | Should -Match 'figures.csv'
    }

    It '<Name>: signs for openssl; refuses to encrypt to it, as its key usage has no keyAgreement' -ForEach $openSslEcIdentities {
        $identity = Get-SmimeCertificate -Path (Join-Path $certs "$Name.pem")
        $signed = Join-Path $TestDrive "$Name-signed.eml"
        Protect-SmimeMessage -Path $message -SignWith $identity -Destination $signed | Out-Null
        & openssl cms -verify -in $signed -CAfile (Join-Path $certs 'smroot.pem') -out (Join-Path $TestDrive "$Name-verified.eml") 2>&1 | Out-Null
        $LASTEXITCODE | Should -Be 0
        { Protect-SmimeMessage -Path $message -To $identity -ErrorAction Stop } |
            Should -Throw -ErrorId 'KeyUsageNotPermitted,SmimeTools.Commands.ProtectSmimeMessageCommand'
    }

    It 'refuses the 1024-bit smrsa1024 as a recipient, naming its size' {
        $weak = Get-SmimeCertificate -Path (Join-Path $certs 'smrsa1024.pem')
        Protect-SmimeMessage -Path $message -To $weak -ErrorAction SilentlyContinue -ErrorVariable problem | Out-Null
        $problem[0].FullyQualifiedErrorId | Should -BeLike 'WeakKey,*'
        $problem[0].Exception.Message | Should -Match '1024-bit'
    }
}
