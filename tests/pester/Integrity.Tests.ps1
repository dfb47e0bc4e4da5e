# What vouches for decrypted content (EFAIL: CBC alone does not), -RequireAuthenticated, and no padding oracle
# through Unprotect-SmimeMessage.
BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    Import-Module $ModulePath -Force
    $pki = Get-TestPki
    $message = $pki.sampleMessagePath
    function Identity([string] $Name) {
        Get-SmimeCertificate -Path (Join-Path $pki.Folder "$Name.p12") -Password $pki.SecurePassword
    }
    function Certificate([string] $Name) { Get-SmimeCertificate -Path (Join-Path $pki.Folder "$Name.crt") }
    $alice = Identity rsa2048
    $bob = Identity rsa3072
    $bobCertificate = Certificate rsa3072

    function Protect([string] $Name, [hashtable] $With) {
        $path = Join-Path $TestDrive "$Name.eml"
        Protect-SmimeMessage -Path $message -Destination $path @With | Out-Null
        $path
    }

    # The message with the RSA-encrypted content key replaced by $Replace (given the recipient's RSA public key and the old bytes).
    function Set-EncryptedKey([string] $Path, [string] $Destination, [scriptblock] $Replace) {
        $text = [IO.File]::ReadAllText($Path)
        $split = $text.IndexOf("`r`n`r`n")
        $der = [Convert]::FromBase64String($text.Substring($split + 4))
        $rsa = $bobCertificate.PublicKey.GetRSAPublicKey()
        # KeyTransRecipientInfo: rsaEncryption with NULL parameters, then the encrypted key as an OCTET STRING of the modulus' length.
        $length = $rsa.KeySize / 8
        $marker = '06092A864886F70D010101050004820' + $length.ToString('X3')
        $hex = [Convert]::ToHexString($der)
        $found = $hex.IndexOf($marker)
        $found | Should -BeGreaterOrEqual 0
        $found % 2 | Should -Be 0
        $at = $found / 2 + $marker.Length / 2
        $old = [byte[]] $der[$at..($at + $length - 1)]
        $new = [byte[]] (& $Replace $rsa $old)
        $new.Length | Should -Be $length
        [Array]::Copy($new, 0, $der, $at, $new.Length)
        $body = [Convert]::ToBase64String($der, [Base64FormattingOptions]::InsertLineBreaks) -replace "`r?`n", "`r`n"
        [IO.File]::WriteAllText($Destination, $text.Substring(0, $split + 4) + $body + "`r`n")
    }
}

Describe 'Unprotect-SmimeMessage: integrity of what it opens' {
    It 'says <Integrity> for <Case>, and -RequireAuthenticated lets it through' -ForEach @(
        @{ Case = 'AES-GCM'; Integrity = 'AuthenticatedEncryption'; With = @{ EncryptionAlgorithm = 'Aes256Gcm' } }
        @{ Case = 'CBC signed inside'; Integrity = 'Signed'; With = @{ EncryptionAlgorithm = 'Aes256Cbc'; SignWith = 'alice' } }
        @{ Case = 'CBC opaque-signed inside'; Integrity = 'Signed'; With = @{ EncryptionAlgorithm = 'Aes256Cbc'; SignWith = 'alice'; Opaque = $true } }
    ) {
        $protect = @{ To = $bobCertificate } + $With
        if ($protect.SignWith) { $protect.SignWith = $alice }
        $path = Protect ($Case -replace '\W', '') $protect
        $result = Unprotect-SmimeMessage -Path $path -Identity $bob
        $result.Integrity | Should -Be $Integrity
        $strict = Unprotect-SmimeMessage -Path $path -Identity $bob -RequireAuthenticated -Destination (Join-Path $TestDrive "$($Case -replace '\W', '')-opened.eml")
        $strict.Integrity | Should -Be $Integrity
        Test-Path $strict.Destination | Should -BeTrue
        (Unprotect-SmimeMessage -Path $path -Identity $bob -RemoveSignature -RequireAuthenticated).Integrity | Should -Be $Integrity
    }

    It 'says None for CBC without a signature, and -RequireAuthenticated refuses it with UnauthenticatedContent, writing nothing' {
        $path = Protect 'cbc' @{ To = $bobCertificate; EncryptionAlgorithm = 'Aes256Cbc' }
        (Unprotect-SmimeMessage -Path $path -Identity $bob).Integrity | Should -Be 'None'
        $destination = Join-Path $TestDrive 'cbc-opened.eml'
        { Unprotect-SmimeMessage -Path $path -Identity $bob -RequireAuthenticated -Destination $destination -ErrorAction Stop } |
            Should -Throw -ErrorId 'UnauthenticatedContent,SmimeTools.Commands.UnprotectSmimeMessageCommand'
        Test-Path $destination | Should -BeFalse
        Get-ChildItem $TestDrive -Filter '.*.tmp' -Force | Should -BeNullOrEmpty
        Unprotect-SmimeMessage -Path $path -Identity $bob -RequireAuthenticated -ErrorAction SilentlyContinue -ErrorVariable refused | Should -BeNullOrEmpty
        $refused[0].CategoryInfo.Category | Should -Be 'SecurityError'
    }

    It 'says None for CBC around a signature that does not verify over the content, and refuses it' {
        $signed = Protect 'signed' @{ SignWith = $alice }
        $text = [IO.File]::ReadAllText($signed)
        # One character of the signed part changed after signing: the digest no longer matches.
        $tampered = Join-Path $TestDrive 'signed-tampered.eml'
        [IO.File]::WriteAllText($tampered, $text.Replace('figures.csv', 'figures.txt'))
        (Test-SmimeSignature -Path $tampered).Status | Should -Be 'ContentModified'
        $encrypted = Join-Path $TestDrive 'signed-tampered-encrypted.eml'
        Protect-SmimeMessage -Path $tampered -To $bobCertificate -EncryptionAlgorithm Aes256Cbc -Destination $encrypted | Out-Null

        $result = Unprotect-SmimeMessage -Path $encrypted -Identity $bob
        $result.ContentType | Should -Be 'multipart/signed'
        $result.Integrity | Should -Be 'None'
        { Unprotect-SmimeMessage -Path $encrypted -Identity $bob -RequireAuthenticated -ErrorAction Stop } |
            Should -Throw -ErrorId 'UnauthenticatedContent,SmimeTools.Commands.UnprotectSmimeMessageCommand'
        { Unprotect-SmimeMessage -Path $encrypted -Identity $bob -RemoveSignature -RequireAuthenticated -ErrorAction Stop } |
            Should -Throw -ErrorId 'UnauthenticatedContent,SmimeTools.Commands.UnprotectSmimeMessageCommand'
    }

    It 'shows Integrity in the default view' {
        $path = Protect 'view' @{ To = $bobCertificate; EncryptionAlgorithm = 'Aes256Cbc' }
        $text = Unprotect-SmimeMessage -Path $path -Identity $bob | Out-String -Width 200
        $text | Should -Match 'Integrity'
        $text | Should -Match '\bNone\b'
    }
}

Describe 'Get-SmimeMessage: integrity as far as it can be seen without a key' {
    It 'says <Integrity> for <Case>' -ForEach @(
        @{ Case = 'AES-GCM'; Integrity = 'AuthenticatedEncryption'; With = @{ To = 'bob'; EncryptionAlgorithm = 'Aes256Gcm' } }
        @{ Case = 'CBC'; Integrity = 'Unknown'; With = @{ To = 'bob'; EncryptionAlgorithm = 'Aes256Cbc' } }
        @{ Case = 'signed only'; Integrity = 'Signed'; With = @{ SignWith = 'alice' } }
    ) {
        $protect = @{} + $With
        if ($protect.To) { $protect.To = $bobCertificate }
        if ($protect.SignWith) { $protect.SignWith = $alice }
        $summary = Get-SmimeMessage -Path (Protect "summary-$($Case -replace '\W', '')" $protect)
        $summary.Integrity | Should -Be $Integrity
        ($summary | Out-String -Width 200) | Should -Match $Integrity
    }

    It 'says None for a plain message' {
        (Get-SmimeMessage -Path $message).Integrity | Should -Be 'None'
    }
}

Describe 'Unprotect-SmimeMessage: no padding oracle' {
    It 'fails alike for a content key with bad RSA padding and a well-padded wrong key (<Algorithm>)' -ForEach @(
        @{ Algorithm = 'Aes256Cbc' }, @{ Algorithm = 'Aes128Gcm' }
    ) {
        $path = Protect "oracle-$Algorithm" @{ To = $bobCertificate; EncryptionAlgorithm = $Algorithm; KeyEncryption = 'RsaPkcs1'; NoSelfCopy = $true }
        $badPadding = Join-Path $TestDrive "oracle-$Algorithm-padding.eml"
        Set-EncryptedKey $path $badPadding {
            param($rsa, $old)
            # 00 02 and nonzero bytes to the end, no separator; raised to e mod n (textbook RSA, which .NET does not offer).
            $p = $rsa.ExportParameters($false)
            $block = [byte[]]::new($p.Modulus.Length); $block[1] = 2
            for ($i = 2; $i -lt $block.Length; $i++) { $block[$i] = Get-Random -Minimum 1 -Maximum 256 }
            $n = [Numerics.BigInteger]::new([byte[]] $p.Modulus, $true, $true)
            $e = [Numerics.BigInteger]::new([byte[]] $p.Exponent, $true, $true)
            $c = [Numerics.BigInteger]::ModPow([Numerics.BigInteger]::new($block, $true, $true), $e, $n).ToByteArray($true, $true)
            [byte[]]::new($block.Length - $c.Length) + $c
        }
        $wrongKey = Join-Path $TestDrive "oracle-$Algorithm-wrongkey.eml"
        $keyLength = if ($Algorithm -eq 'Aes256Cbc') { 32 } else { 16 }
        Set-EncryptedKey $path $wrongKey {
            param($rsa, $old)
            $rsa.Encrypt([Security.Cryptography.RandomNumberGenerator]::GetBytes($keyLength), [Security.Cryptography.RSAEncryptionPadding]::Pkcs1)
        }

        $errors = [Collections.Generic.List[Management.Automation.ErrorRecord]]::new()
        foreach ($forged in $badPadding, $wrongKey) {
            $failed = $null
            Unprotect-SmimeMessage -Path $forged -Identity $bob -Destination "$forged.opened" -ErrorAction SilentlyContinue -ErrorVariable failed | Out-Null
            Test-Path "$forged.opened" | Should -BeFalse
            $failed | Should -HaveCount 1
            $errors.Add($failed[0])
        }
        $errors.FullyQualifiedErrorId | Should -Be (@('DecryptionFailed,SmimeTools.Commands.UnprotectSmimeMessageCommand') * 2)
        $errors[0].Exception.Message | Should -BeExactly $errors[1].Exception.Message
        $errors[0].CategoryInfo.Category | Should -Be $errors[1].CategoryInfo.Category
        $errors | ForEach-Object { $_.Exception.InnerException | Should -BeNullOrEmpty }
        # The genuine message still opens.
        (Unprotect-SmimeMessage -Path $path -Identity $bob).Layers.Count | Should -BeGreaterThan 0
    }
}
