# SmimeTools' Should operators (-BeValidSmimeSignature, -BeSmimeSigned, -BeEncryptedTo): what passes, what fails, and
# that failure messages carry the problem codes and reasons. This file imports SmimeTools after Pester; the other order
# is run by CiRecipe.Tests.ps1.
BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    Import-Module $ModulePath -Force
    function Get-ShouldFailure([scriptblock] $Assertion) {
        try { & $Assertion; $null } catch { $_.Exception.Message }
    }

    $ca = New-SmimeCertificate -SelfSigned -CertificateAuthority -Subject 'CN=Operator Test CA' -KeyType P256
    $alice = New-SmimeCertificate -Issuer $ca -Subject 'CN=Alice' -Email alice@example.test -KeyType P256
    $bob = New-SmimeCertificate -Issuer $ca -Subject 'CN=Bob' -Email bob@example.test -KeyType P256
    $carol = New-SmimeCertificate -Issuer $ca -Subject 'CN=Carol' -Email carol@example.test -KeyType P256
    $plain = Join-Path $TestDrive 'plain.eml'
    Set-Content $plain "From: alice@example.test`r`nTo: bob@example.test`r`nSubject: ops`r`n`r`nhello`r`n" -NoNewline
    $signed = (Protect-SmimeMessage -Path $plain -SignWith $alice -Destination (Join-Path $TestDrive 'signed.eml')).Destination
    $encrypted = Protect-SmimeMessage -Path $plain -To $bob -Destination (Join-Path $TestDrive 'encrypted.eml')
    $crl = New-SmimeCrl -Issuer $ca -OutFile (Join-Path $TestDrive 'ca.crl')
    $revokedCrl = New-SmimeCrl -Issuer $ca -RevokedCertificate $alice -Reason KeyCompromise -OutFile (Join-Path $TestDrive 'revoked.crl')
}

Describe 'The operators are registered with Pester' {
    It 'lists <_> among the Should operators' -ForEach 'BeValidSmimeSignature', 'BeSmimeSigned', 'BeEncryptedTo' {
        (Get-ShouldOperator).Name | Should -Contain $_
    }
}

Describe 'Should -BeValidSmimeSignature' {
    It 'passes for a valid signature by the -Signer, from a path or from Test-SmimeSignature results' {
        $signed | Should -BeValidSmimeSignature -Signer alice@example.test -TrustedRoot $ca -Crl $crl.Path
        Test-SmimeSignature -Path $signed -TrustedRoot $ca -Crl $crl.Path | Should -BeValidSmimeSignature
    }

    It 'fails for a revoked signer with the problem code and its reason' {
        $message = Get-ShouldFailure { $signed | Should -BeValidSmimeSignature -TrustedRoot $ca -Crl $revokedCrl.Path }
        $message | Should -Match 'Revoked'
        $message | Should -Match 'key compromise'
    }

    It 'fails when the signer is someone else, naming who signed' {
        $message = Get-ShouldFailure { $signed | Should -BeValidSmimeSignature -Signer bob@example.test -TrustedRoot $ca -Crl $crl.Path }
        $message | Should -Match 'no signature is by bob@example\.test'
        $message | Should -Match 'alice@example\.test'
    }

    It 'fails for an unsigned message with the error ID' {
        Get-ShouldFailure { $plain | Should -BeValidSmimeSignature -TrustedRoot $ca } | Should -Match 'NotSigned'
    }

    It 'with -Not, passes for a revoked signer and fails for a valid one' {
        $signed | Should -Not -BeValidSmimeSignature -TrustedRoot $ca -Crl $revokedCrl.Path
        Get-ShouldFailure { $signed | Should -Not -BeValidSmimeSignature -TrustedRoot $ca -Crl $crl.Path } | Should -Match 'every signature checked out'
    }
}

Describe 'Should -BeSmimeSigned' {
    It 'passes for a signed message and, with -Not, for a plain one' {
        $signed | Should -BeSmimeSigned
        $plain | Should -Not -BeSmimeSigned
    }

    It 'fails for a plain message, saying what protection it has' {
        Get-ShouldFailure { $plain | Should -BeSmimeSigned } | Should -Match 'NotSigned: its protection is None'
    }
}

Describe 'Should -BeEncryptedTo' {
    It 'passes for the recipient''s certificate and, with -Not, for someone else''s' {
        $encrypted | Should -BeEncryptedTo $bob
        $encrypted | Should -Not -BeEncryptedTo $carol
    }

    It 'fails for another recipient, listing who it is encrypted to' {
        $message = Get-ShouldFailure { $encrypted | Should -BeEncryptedTo $carol }
        $message | Should -Match 'not encrypted to CN=Carol'
        $message | Should -Match ([regex]::Escape($bob.SerialNumber))
    }

    It 'fails for a message that is not encrypted, with the reason; with -Not it passes, and fails for an unreadable one' {
        Get-ShouldFailure { $signed | Should -BeEncryptedTo $bob } | Should -Match 'NotEncrypted'
        $signed | Should -Not -BeEncryptedTo $bob
        $missing = Join-Path $TestDrive 'no-such.eml'
        Get-ShouldFailure { $missing | Should -Not -BeEncryptedTo $bob } | Should -Match 'PathNotFound'
    }
}
