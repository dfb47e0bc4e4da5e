# Get-SmimeMessage: inspection without keys, of single files, folders, mbox files, openssl's and RFC 4134's messages.
BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $script:hasOpenSsl = [bool](Get-Command openssl -ErrorAction Ignore)
    $script:corpus = if ($env:SMIMETOOLS_CORPORA) { $env:SMIMETOOLS_CORPORA } else { Join-Path (Split-Path $RepoRoot -Parent) 'shared/corpora' }
    $script:noCorpus = -not (Test-Path (Join-Path $corpus 'rfc4134/5.3.eml'))
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    Import-Module $ModulePath -Force
    $pki = Get-TestPki
    $users = $pki.users
    $message = $pki.sampleMessagePath
    $corpus = if ($env:SMIMETOOLS_CORPORA) { $env:SMIMETOOLS_CORPORA } else { Join-Path (Split-Path $RepoRoot -Parent) 'shared/corpora' }
    $alice = Get-SmimeCertificate -Path $users.rsa2048.pkcs12Path -Password $pki.SecurePassword
    function Invoke-OpenSsl {
        $output = & openssl @args 2>&1
        if ($LASTEXITCODE -ne 0) { throw "openssl $($args -join ' ') failed: $($output -join "`n")" }
        $output -join "`n"
    }
    # No store lookups: the tests must not depend on what the user's stores hold.
    $noStores = @{ CertStoreLocation = 'Cert:\CurrentUser\Disallowed' }
    $folder = Join-Path $TestDrive 'mail'
    New-Item -ItemType Directory $folder | Out-Null
    Copy-Item $message (Join-Path $folder 'plain.eml')
    Protect-SmimeMessage -Path $message -SignWith $alice -Destination (Join-Path $folder 'signed.eml') | Out-Null
    Protect-SmimeMessage -Path $message -SignWith $alice -Opaque -Destination (Join-Path $folder 'opaque.eml') | Out-Null
    Protect-SmimeMessage -Path $message -To $users.rsa3072.certificatePath -Destination (Join-Path $folder 'encrypted.eml') | Out-Null
    Protect-SmimeMessage -Path $message -SignWith $alice -To $users.rsa3072.certificatePath -Destination (Join-Path $folder 'sent.eml') | Out-Null
}

Describe 'Get-SmimeMessage' {
    Context 'single messages' {
        It 'reports a plain message with no layers and its attachments' {
            $summary = Get-SmimeMessage -Path (Join-Path $folder 'plain.eml') @noStores
            $summary.Layers.Count | Should -Be 0
            $summary.Protection | Should -Be 'None'
            $summary.IsSigned | Should -BeFalse
            $summary.Subject | Should -Be 'Quarterly figures'
            $summary.From | Should -Match 'alice@example.com'
            $summary.Attachments | Should -Contain 'figures.csv'
            $summary.Size | Should -Be (Get-Item $message).Length
        }

        It 'checks a detached signature and names the signer' {
            $summary = Get-SmimeMessage -Path (Join-Path $folder 'signed.eml') @noStores
            $summary.Layers.Count | Should -Be 1
            $summary.Layers[0].Kind | Should -Be 'DetachedSigned'
            $summary.Layers[0].Signers[0].Status | Should -Be 'Valid'
            $summary.Layers[0].Signers[0].Email | Should -Be 'alice@example.com'
            $summary.Layers[0].Signers[0].DigestAlgorithm | Should -Be 'SHA-256'
            $summary.IsSigned | Should -BeTrue
            $summary.InnerContentType | Should -Be 'multipart/mixed'
            $summary.Protection | Should -Be 'Signed(SHA-256)'
        }

        It 'looks inside an opaque signature' {
            $summary = Get-SmimeMessage -Path (Join-Path $folder 'opaque.eml') @noStores
            $summary.Layers[0].Kind | Should -Be 'OpaqueSigned'
            $summary.Layers[0].Signers[0].SignatureValid | Should -BeTrue
            $summary.Attachments | Should -Contain 'figures.csv'
        }

        It 'lists the recipients of an encrypted message with their serial numbers' {
            $summary = Get-SmimeMessage -Path (Join-Path $folder 'encrypted.eml') @noStores
            $summary.IsEncrypted | Should -BeTrue
            $summary.ContentHidden | Should -BeTrue
            $summary.Layers[0].Kind | Should -Be 'Enveloped'
            $summary.Layers[0].Algorithm | Should -Be 'AES-256-CBC'
            $summary.Layers[0].Recipients.SerialNumber | Should -Contain $users.rsa3072.serialNumber.ToUpperInvariant()
            $summary.Layers[0].Recipients[0].KeyEncryptionAlgorithm | Should -Not -BeNullOrEmpty
            $summary.InnerContentType | Should -BeNullOrEmpty
        }

        It 'stops at the encrypted layer of a signed and encrypted message' {
            $summary = Get-SmimeMessage -Path (Join-Path $folder 'sent.eml') @noStores
            $summary.Layers.Count | Should -Be 1
            $summary.IsEncrypted | Should -BeTrue
            $summary.IsSigned | Should -BeFalse
            $summary.Attachments.Count | Should -Be 0
        }

        It 'takes MIME text from the pipeline' {
            $summary = [IO.File]::ReadAllText((Join-Path $folder 'signed.eml')) | Get-SmimeMessage @noStores
            $summary.Path | Should -BeNullOrEmpty
            $summary.IsSigned | Should -BeTrue
        }

        It 'shows a table row and a list an analyst reads' {
            $table = Get-SmimeMessage -Path (Join-Path $folder 'sent.eml') @noStores | Out-String -Width 200
            $table | Should -Match 'Enveloped\(AES-256-CBC\)'
            $list = Get-SmimeMessage -Path (Join-Path $folder 'sent.eml') @noStores | Format-List | Out-String -Width 200
            $list | Should -Match 'Recipients'
            $list | Should -Match ([regex]::Escape($users.rsa3072.serialNumber.ToUpperInvariant()))
        }
    }

    Context 'folders and mbox files' {
        It 'inspects every message of a folder' {
            $summaries = @(Get-SmimeMessage -Path $folder @noStores)
            $summaries.Count | Should -Be 5
            ($summaries | Where-Object IsEncrypted).Count | Should -Be 2
        }

        It 'reports a malformed file among good ones and lists the others' {
            $mixed = Join-Path $TestDrive 'mixed'
            New-Item -ItemType Directory $mixed | Out-Null
            Copy-Item (Join-Path $folder 'signed.eml'), (Join-Path $folder 'encrypted.eml') $mixed
            Set-Content (Join-Path $mixed 'bad.eml') -Value 'garbage'
            [IO.File]::WriteAllText((Join-Path $mixed 'broken.eml'), "Content-Type: application/pkcs7-mime; smime-type=enveloped-data`r`nContent-Transfer-Encoding: base64`r`n`r`nMIIBAAAA`r`n")
            $summaries = @(Get-SmimeMessage -Path $mixed @noStores -ErrorAction SilentlyContinue -ErrorVariable problems)
            $summaries.Count | Should -Be 2
            $problems.Count | Should -Be 2
            $problems | ForEach-Object { $_.FullyQualifiedErrorId | Should -BeLike 'MalformedMessage,*' }
        }

        It 'gives one summary per message of an mbox file, with index and offset' {
            # The sample message has a line starting "From " that mbox would need escaped: use a note without one.
            $mbox = Join-Path $TestDrive 'archive.mbox'
            $note = Join-Path $TestDrive 'note.eml'
            [IO.File]::WriteAllText($note, "From: alice@example.com`r`nTo: bob@example.com`r`nSubject: Note`r`n`r`nHello Bob.`r`n")
            Protect-SmimeMessage -Path $note -SignWith $alice -Destination (Join-Path $TestDrive 'note-signed.eml') | Out-Null
            Protect-SmimeMessage -Path $note -To $users.rsa3072.certificatePath -Destination (Join-Path $TestDrive 'note-encrypted.eml') | Out-Null
            $text = foreach ($name in 'note.eml', 'note-signed.eml', 'note-encrypted.eml') {
                "From alice@example.com Mon Jan  1 00:00:00 2024`n" + (Get-Content -Raw (Join-Path $TestDrive $name)).Replace("`r`n", "`n").TrimEnd() + "`n`n"
            }
            [IO.File]::WriteAllText($mbox, ($text -join ''))
            $summaries = @(Get-SmimeMessage -Path $mbox @noStores)
            $summaries.Count | Should -Be 3
            $summaries.Index | Should -Be 1, 2, 3
            $summaries[0].Offset | Should -Be 0
            $summaries[1].Offset | Should -BeGreaterThan 0
            $summaries[0].Protection | Should -Be 'None'
            $summaries[0].Subject | Should -Be 'Note'
            $summaries[1].Layers[0].Signers[0].Status | Should -Be 'Valid'
            $summaries[2].IsEncrypted | Should -BeTrue
        }

        It 'reads any file as mbox with -Mbox' {
            $mbox = Join-Path $TestDrive 'archive.txt'
            $text = foreach ($name in 'encrypted.eml', 'opaque.eml') {
                "From alice@example.com Mon Jan  1 00:00:00 2024`r`n" + (Get-Content -Raw (Join-Path $folder $name)).TrimEnd() + "`r`n`r`n"
            }
            [IO.File]::WriteAllText($mbox, ($text -join ''))
            @(Get-SmimeMessage -Path $mbox -Mbox @noStores).Count | Should -Be 2
        }

        It 'reports a file that is not mbox' {
            $notMbox = Join-Path $TestDrive 'not.mbox'
            Set-Content $notMbox -Value 'hello'
            @(Get-SmimeMessage -Path $notMbox @noStores -ErrorAction SilentlyContinue -ErrorVariable problems).Count | Should -Be 0
            $problems[0].FullyQualifiedErrorId | Should -BeLike 'MalformedMessage,*'
        }
    }

    Context 'messages made by openssl' -Skip:(-not $hasOpenSsl) {
        It 'lists the recipient of openssl cms -encrypt' {
            $out = Join-Path $TestDrive 'openssl-enc.eml'
            Invoke-OpenSsl cms -encrypt -in $message -aes128 -out $out $users.rsa3072.certificatePath | Out-Null
            $summary = Get-SmimeMessage -Path $out @noStores
            $summary.Layers[0].Algorithm | Should -Be 'AES-128-CBC'
            $summary.Layers[0].Recipients[0].SerialNumber | Should -Be $users.rsa3072.serialNumber.ToUpperInvariant()
        }

        It 'flags 3DES as weak' {
            $out = Join-Path $TestDrive 'openssl-3des.eml'
            Invoke-OpenSsl cms -encrypt -in $message -des3 -out $out $users.rsa3072.certificatePath | Out-Null
            $summary = Get-SmimeMessage -Path $out @noStores
            $summary.IsWeak | Should -BeTrue
            $summary.Layers[0].IsWeak | Should -BeTrue
        }

        It 'checks openssl cms -sign, detached and opaque' {
            $detached = Join-Path $TestDrive 'openssl-signed.eml'
            $opaque = Join-Path $TestDrive 'openssl-opaque.eml'
            Invoke-OpenSsl cms -sign -in $message -signer $users.rsa2048.certificatePath -inkey $users.rsa2048.privateKeyPath -out $detached | Out-Null
            Invoke-OpenSsl cms -sign -nodetach -in $message -signer $users.rsa2048.certificatePath -inkey $users.rsa2048.privateKeyPath -out $opaque | Out-Null
            $summaries = Get-SmimeMessage -Path $detached, $opaque @noStores
            $summaries[0].Layers[0].Kind | Should -Be 'DetachedSigned'
            $summaries[1].Layers[0].Kind | Should -Be 'OpaqueSigned'
            $summaries | ForEach-Object { $_.Layers[0].Signers[0].Status | Should -Be 'Valid' }
        }
    }

    Context 'RFC 4134 examples' -Skip:$noCorpus {
        It 'lists the recipients of 5.3.eml' {
            $summary = Get-SmimeMessage -Path (Join-Path $corpus 'rfc4134/5.3.eml') @noStores
            $summary.IsEncrypted | Should -BeTrue
            $summary.Layers[0].Recipients.Count | Should -BeGreaterThan 0
        }

        It 'checks the opaque signature of 4.9.eml' {
            $summary = Get-SmimeMessage -Path (Join-Path $corpus 'rfc4134/4.9.eml') @noStores
            $summary.Layers[0].Kind | Should -Be 'OpaqueSigned'
            $summary.Layers[0].Signers.Count | Should -BeGreaterThan 0
        }
    }
}
