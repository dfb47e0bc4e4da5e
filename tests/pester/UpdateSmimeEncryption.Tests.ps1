# Update-SmimeEncryption through the real cmdlet: archives move to new keys, openssl reads the result, a killed job resumes.
BeforeDiscovery {
    $script:hasOpenSsl = [bool](Get-Command openssl -ErrorAction Ignore)
    $script:isUnix = -not $IsWindows
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    Import-Module $ModulePath -Force
    $pki = Get-TestPki
    $message = $pki.sampleMessagePath
    function Identity([string] $Name) {
        Get-SmimeCertificate -Path (Join-Path $pki.Folder "$Name.p12") -Password $pki.SecurePassword | Where-Object HasPrivateKey
    }
    function Crt([string] $Name) { Join-Path $pki.Folder "$Name.crt" }
    function New-Archive([string] $Name, [int] $Count = 3, [string] $To = 'rsa2048') {
        $folder = New-Item -ItemType Directory -Force (Join-Path $TestDrive $Name)
        1..$Count | ForEach-Object {
            Protect-SmimeMessage -Path $message -To (Crt $To) -Destination (Join-Path $folder "m$_.eml") | Out-Null
        }
        $folder.FullName
    }
    function Opened([string] $Path, $Identity) {
        [Text.Encoding]::UTF8.GetString((Unprotect-SmimeMessage -Path $Path -Identity $Identity).Content)
    }
    $old = Identity rsa2048
    $new = Identity p256
}

Describe 'Update-SmimeEncryption' {
    It 'gives every message of a folder to the new key, keeps the old and every header, and says so in the summary' {
        $folder = New-Archive 'basic'
        $before = Get-ChildItem $folder -Filter *.eml | ForEach-Object { @{ Name = $_.Name; Text = Opened $_.FullName $old; Head = ((Get-Content $_.FullName -Raw) -split "`r`n`r`n")[0] } }

        $summary = Update-SmimeEncryption -Path $folder -To (Crt p256) -Identity $old

        $summary.Updated | Should -Be 3
        $summary.Failed | Should -Be 0
        $summary.KeysUsed.Values | Should -Be 3
        foreach ($m in $before) {
            $path = Join-Path $folder $m.Name
            Opened $path $new | Should -Be $m.Text
            Opened $path $old | Should -Be $m.Text
            ((Get-Content $path -Raw) -split "`r`n`r`n")[0] | Should -Be $m.Head
        }
        Get-ChildItem $folder -Force -Filter *.tmp | Should -BeNullOrEmpty
    }

    It 'writes a rewrite that openssl decrypts with the new key' -Skip:(-not $hasOpenSsl) {
        $folder = New-Archive 'openssl' 1
        Update-SmimeEncryption -Path $folder -To (Crt rsa3072) -Identity $old | Out-Null
        $out = Join-Path $TestDrive 'openssl.txt'
        & openssl cms -decrypt -in (Join-Path $folder 'm1.eml') -recip (Crt rsa3072) -inkey (Join-Path $pki.Folder 'rsa3072.key') -out $out 2>&1 | Out-Null
        $LASTEXITCODE | Should -Be 0
        Get-Content $out -Raw | Should -Match 'figures\.csv'
    }

    It 'skips what is done on a second run, and -PassThru says why' {
        $folder = New-Archive 'twice' 2
        Update-SmimeEncryption -Path $folder -To (Crt p256) -Identity $old | Out-Null
        $results = @(Update-SmimeEncryption -Path $folder -To (Crt p256) -Identity $old -PassThru)
        $updates = $results | Where-Object { $_.PSObject.TypeNames[0] -eq 'SmimeTools.Engine.Operations.MessageUpdate' }
        $updates.State | Should -Be @('Skipped', 'Skipped')
        $results[-1].Skipped | Should -Be 2
    }

    It 're-encrypts with -Mode Reencrypt, and only the new key opens the message after -RemoveRecipient' {
        $folder = New-Archive 'reencrypt' 1
        $text = Opened (Join-Path $folder 'm1.eml') $old
        $result = Update-SmimeEncryption -Path $folder -Mode Reencrypt -EncryptionAlgorithm Aes256Gcm -To (Crt p256) -Identity $old -RemoveRecipient $old -PassThru |
            Select-Object -First 1
        $result.AlgorithmAfter | Should -Be 'AES-256-GCM'
        Opened (Join-Path $folder 'm1.eml') $new | Should -Be $text
        { Unprotect-SmimeMessage -Path (Join-Path $folder 'm1.eml') -Identity $old -ErrorAction Stop } |
            Should -Throw -ErrorId 'NoDecryptionKey,SmimeTools.Commands.UnprotectSmimeMessageCommand'
    }

    It 'reports messages it cannot update with their error IDs, leaves them as they are and goes on' {
        $folder = New-Archive 'mixed' 1
        Copy-Item $message (Join-Path $folder 'plain.eml')
        Protect-SmimeMessage -Path $message -To (Crt rsa3072) -Destination (Join-Path $folder 'foreign.eml') | Out-Null
        $plain = Get-FileHash (Join-Path $folder 'plain.eml')
        $foreign = Get-FileHash (Join-Path $folder 'foreign.eml')

        $summary = Update-SmimeEncryption -Path $folder -To (Crt p256) -Identity $old -ErrorAction SilentlyContinue -ErrorVariable problems

        $summary.Updated | Should -Be 1
        $summary.Failed | Should -Be 2
        ($problems | ForEach-Object { ($_.FullyQualifiedErrorId -split ',')[0] } | Sort-Object) | Should -Be @('NoDecryptionKey', 'NotEncrypted')
        # Each error names its message file, not the folder it was found in.
        ($problems.TargetObject | Sort-Object) | Should -Be @((Join-Path $folder 'foreign.eml'), (Join-Path $folder 'plain.eml'))
        (Get-FileHash (Join-Path $folder 'plain.eml')).Hash | Should -Be $plain.Hash
        (Get-FileHash (Join-Path $folder 'foreign.eml')).Hash | Should -Be $foreign.Hash
    }

    It 'opens no key and writes nothing with -WhatIf' {
        $folder = New-Archive 'whatif' 1
        $hash = (Get-FileHash (Join-Path $folder 'm1.eml')).Hash
        # A certificate file whose key cannot be opened would fail if the keys were read.
        $result = Update-SmimeEncryption -Path $folder -To (Crt p256) -Identity (Crt rsa2048) -WhatIf
        $result | Should -BeNullOrEmpty
        (Get-FileHash (Join-Path $folder 'm1.eml')).Hash | Should -Be $hash
        Get-ChildItem $folder -Force | Where-Object Name -like '.smimetools*' | Should -BeNullOrEmpty
    }

    It 'says with -WhatIf what each message would get and which it would leave, from the envelopes alone' {
        $folder = New-Archive 'whatif-plan' 1
        Protect-SmimeMessage -Path $message -To (Crt rsa2048), (Crt p256) -Destination (Join-Path $folder 'done.eml') | Out-Null
        Copy-Item $message (Join-Path $folder 'plain.eml')
        $hashes = Get-ChildItem $folder | Get-FileHash
        # What-if lines go to the host, so a child PowerShell's output is read.
        $script = "Import-Module '$ModulePath'; Update-SmimeEncryption -Path '$folder' -To '$(Crt p256)' -Identity '$(Crt rsa2048)' -WhatIf"
        $command = Get-PwshCommand
        $lines = & $command[0] @($command | Select-Object -Skip 1) -NoProfile -NonInteractive -Command $script

        $p256 = (Get-SmimeCertificate -Path (Crt p256)).Subject
        $lines | Where-Object { $_ -like '*"Add recipients"*m1.eml*' } | Should -HaveCount 1
        ($lines | Where-Object { $_ -like '*m1.eml*' }) | Should -BeLike "*(AES-256-CBC) now, to *$p256 (AES-256-CBC) after."
        $lines | Where-Object { $_ -like '*Leaving*done.eml*already encrypted to every target recipient*' } | Should -HaveCount 1
        $lines | Where-Object { $_ -like '*Leaving*plain.eml*(NotEncrypted)*' } | Should -HaveCount 1
        (Get-ChildItem $folder | Get-FileHash).Hash | Should -Be $hashes.Hash
        Get-ChildItem $folder -Force | Where-Object Name -like '.smimetools*' | Should -BeNullOrEmpty
    }

    It 'refuses -RemoveRecipient without -Mode Reencrypt before anything is written' {
        $folder = New-Archive 'refused' 1
        { Update-SmimeEncryption -Path $folder -To (Crt p256) -Identity $old -RemoveRecipient $old -ErrorAction Stop } |
            Should -Throw -ErrorId 'NothingToDo,SmimeTools.Commands.UpdateSmimeEncryptionCommand'
    }

    It 'refuses a new recipient Protect would refuse: <Name>' -ForEach @(
        @{ Name = 'expired'; ErrorId = 'CertificateExpired' }
        @{ Name = 'rsa512'; ErrorId = 'WeakKey' }
    ) {
        $folder = New-Archive "refuse-$Name" 1
        $hash = (Get-FileHash (Join-Path $folder 'm1.eml')).Hash
        { Update-SmimeEncryption -Path $folder -To (Crt $Name) -Identity $old -ErrorAction Stop } |
            Should -Throw -ErrorId "$ErrorId,SmimeTools.Commands.UpdateSmimeEncryptionCommand"
        (Get-FileHash (Join-Path $folder 'm1.eml')).Hash | Should -Be $hash
    }

    It 'shows progress with counts, bytes, rate and the place in the job, and completes it' {
        $folder = New-Archive 'progress' 30
        $shell = [powershell]::Create()
        try {
            $null = $shell.AddCommand('Import-Module').AddParameter('Name', $ModulePath).AddStatement().
                AddCommand('Update-SmimeEncryption').AddParameter('Path', $folder).AddParameter('To', (Crt p256)).AddParameter('Identity', $old)
            $summary = @($shell.Invoke())[-1]
            $records = @($shell.Streams.Progress)
        }
        finally {
            $shell.Dispose()
        }

        $summary.Updated | Should -Be 30
        $records[-1].RecordType | Should -Be 'Completed'
        $shown = @($records | Where-Object RecordType -ne 'Completed')
        $shown.Count | Should -BeGreaterThan 1
        $shown[0].StatusDescription | Should -Match '^\d+ updated, \d+ skipped, \d+ failed; [\d.]+ of [\d.]+ MiB at [\d.]+ MiB/s$'
        $shown[0].CurrentOperation | Should -Match '^1 of 30: '
        # The first and the last item are always shown; those between, at most every tenth of a second.
        $shown[-1].CurrentOperation | Should -Match '^30 of 30: '
        $shown[-1].PercentComplete | Should -BeGreaterThan 90
        $shown.Count | Should -BeLessOrEqual 30
    }

    It 'works on several messages at once with -ThrottleLimit and keeps the input order' {
        $folder = New-Archive 'parallel' 24
        $results = @(Update-SmimeEncryption -Path $folder -To (Crt p256) -Identity $old -ThrottleLimit 4 -PassThru)
        $updates = @($results | Select-Object -SkipLast 1)
        $updates.State | Sort-Object -Unique | Should -Be 'Updated'
        $expected = @(Get-ChildItem $folder -Filter *.eml | Sort-Object { $_.Name } -Culture ([cultureinfo]::InvariantCulture) | ForEach-Object FullName)
        $updates.Path | Should -Be ([string[]][System.Linq.Enumerable]::ToArray([System.Linq.Enumerable]::Order([string[]]$expected, [StringComparer]::Ordinal)))
        $results[-1].Updated | Should -Be 24
        Get-ChildItem $folder -Filter *.eml | ForEach-Object { Opened $_.FullName $new | Should -Be (Opened $_.FullName $old) }
        @(Get-Content (Join-Path $folder '.smimetools-update.journal')).Count | Should -Be 24
    }

    It 'updates Maildir folders and mbox files found with -Recurse' {
        $root = New-Item -ItemType Directory (Join-Path $TestDrive 'mail')
        'cur', 'new', 'tmp' | ForEach-Object { New-Item -ItemType Directory -Force (Join-Path $root "Maildir/$_") | Out-Null }
        Protect-SmimeMessage -Path $message -To (Crt rsa2048) -Destination (Join-Path $root 'Maildir/cur/1700000000.M1P1.host:2,S') | Out-Null
        $encrypted = Protect-SmimeMessage -Path $message -To (Crt rsa2048)
        $mbox = Join-Path $root 'archive.mbox'
        $entry = "From alice@example.com Fri Dec  4 10:00:00 2026`n" + ([Text.Encoding]::ASCII.GetString($encrypted.Content) -replace "`r`n", "`n") + "`n"
        [IO.File]::WriteAllText($mbox, $entry + $entry)

        $summary = Update-SmimeEncryption -Path $root -Recurse -To (Crt p256) -Identity $old

        $summary.Updated | Should -Be 3
        (Get-SmimeMessage -Path (Get-ChildItem (Join-Path $root 'Maildir/cur')).FullName).Layers[0].Recipients.Count | Should -Be 2
        @(Get-SmimeMessage -Path $mbox | ForEach-Object { $_.Layers[0].Recipients.Count }) | Should -Be @(2, 2)
        Test-Path "$mbox.lock" | Should -BeFalse
    }

    It 'resumes a job killed halfway and rewrites no message twice' -Skip:(-not $isUnix) {
        $folder = New-Archive 'killed' 60
        $script = @"
Import-Module '$ModulePath'
`$old = Get-SmimeCertificate -Path '$(Join-Path $pki.Folder 'rsa2048.p12')' -Password (ConvertTo-SecureString '$($pki.password)' -AsPlainText -Force) | Where-Object HasPrivateKey
Update-SmimeEncryption -Path '$folder' -To '$(Crt p256)' -Identity `$old | Out-Null
"@
        $file = Join-Path $TestDrive 'job.ps1'
        Set-Content $file $script
        $command = Get-PwshCommand
        $child = Start-Process -FilePath $command[0] -ArgumentList (@($command | Select-Object -Skip 1) + @('-NoProfile', '-NonInteractive', '-File', $file)) -PassThru
        # Kill it once it has done some messages (or when it is done already: the checks below hold either way).
        $journal = Join-Path $folder '.smimetools-update.journal'
        $deadline = [DateTime]::UtcNow.AddSeconds(60)
        while (-not $child.HasExited -and [DateTime]::UtcNow -lt $deadline -and -not ((Test-Path $journal) -and @(Get-Content $journal).Count -ge 5)) { Start-Sleep -Milliseconds 20 }
        if (-not $child.HasExited) { & kill -9 $child.Id; $child.WaitForExit() }
        Write-Host "killed: $(-not $child.HasExited -or $child.ExitCode -ne 0)"
        $doneBefore = if (Test-Path $journal) { @(Get-Content $journal | Where-Object { $_ -like "done`t*" }).Count } else { 0 }

        $summary = Update-SmimeEncryption -Path $folder -To (Crt p256) -Identity $old

        ($summary.Updated + $summary.Skipped) | Should -Be 60
        $summary.Failed | Should -Be 0
        Write-Host "done before the kill: $doneBefore; after: $($summary.Updated) updated, $($summary.Skipped) skipped"
        $summary.Updated | Should -BeLessOrEqual (60 - $doneBefore)
        Get-ChildItem $folder -Filter *.eml | ForEach-Object { Opened $_.FullName $new | Should -Be (Opened $_.FullName $old) }
        Get-ChildItem $folder -Force -Filter '*.tmp' | Should -BeNullOrEmpty
        @(Get-Content $journal | Where-Object { $_ -like "done`t*" } | ForEach-Object { ($_ -split "`t")[1] } | Group-Object | Where-Object Count -gt 1) | Should -BeNullOrEmpty
    }
}

Describe 'Update-SmimeEncryption with the old key on a token' {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'TokenSupport.ps1')
        $token = New-SoftHsmTestToken -Label 'update-token' -Pki $pki -Identities @('rsa2048')
    }
    AfterAll {
        if ($token.Folder) { Remove-Item $token.Folder -Recurse -Force -ErrorAction Ignore }
        Remove-Module SmimeTools -ErrorAction Ignore
    }

    It 'moves an archive with -ThrottleLimit 2 and the old key on the token, and every message opens with the new key' {
        if ($token.Missing) { Set-ItResult -Skipped -Because $token.Missing; return }
        $folder = New-Archive 'token' 12
        $onToken = Get-SmimeCertificate -Pkcs11Module $token.Library -Token $token.Label -Pin $token.Pin | Where-Object { $_.Thumbprint -eq $old.Thumbprint -and $_.KeyLocation -eq 'Token' }
        $onToken | Should -HaveCount 1

        $summary = Update-SmimeEncryption -Path $folder -To (Crt p256) -Identity $onToken -ThrottleLimit 2

        $summary.Updated | Should -Be 12
        $summary.Failed | Should -Be 0
        Get-ChildItem $folder -Filter *.eml | ForEach-Object { Opened $_.FullName $new | Should -Be (Opened $_.FullName $old) }
    }
}
