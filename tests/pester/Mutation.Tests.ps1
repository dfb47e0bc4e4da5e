# A black-box mutation pass through the cmdlets: the fuzzer's regression inputs and a seeded set of byte-mutated
# messages (from openssl cms when it is there, and from the module itself) must end in specific errors, never in
# UnexpectedError, and none may hang. The fuzzing itself is build.ps1 Fuzz (tests/fuzz/README.md); this runs in CI.
BeforeDiscovery {
    $script:hasOpenSsl = [bool](Get-Command openssl -ErrorAction Ignore)
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    Import-Module $ModulePath -Force
    $pki = Get-TestPki
    $regressions = Join-Path $RepoRoot 'tests/fuzz/regressions'
    $identity = Get-SmimeCertificate -Path (Join-Path $pki.Folder 'rsa2048.p12') -Password $pki.SecurePassword
    $recipient = Get-SmimeCertificate -Path (Join-Path $pki.Folder 'rsa2048.crt')
    $root = Join-Path $pki.Folder 'root.crt'
    # One call may take this long on a loaded machine; more is a hang.
    $hangSeconds = 10

    # Runs one cmdlet call on one input; returns the ErrorIds it ended with and how long it took.
    function Invoke-Case([scriptblock] $Call, [string] $File) {
        $watch = [Diagnostics.Stopwatch]::StartNew()
        # The error records come back on the merged stream (an -ErrorVariable would be set in the script block's scope).
        $problems = @()
        try {
            $problems = @(& $Call $File -ErrorAction Continue 2>&1 | Where-Object { $_ -is [Management.Automation.ErrorRecord] })
        }
        catch {
            $problems += $_
        }
        [pscustomobject]@{
            File     = $File
            Ids      = @($problems | ForEach-Object { "$($_.FullyQualifiedErrorId)".Split(',')[0] })
            Messages = @($problems | ForEach-Object { "$($_.Exception.GetType().Name): $($_.Exception.Message)" })
            Seconds  = $watch.Elapsed.TotalSeconds
        }
    }

    function Assert-NoUnexpected([object[]] $Results) {
        # The errors were seen at all (so the check below looks at something).
        @($Results | Where-Object { @($_.Ids).Count -gt 0 }).Count | Should -BeGreaterThan 0
        $unexpected = @($Results | Where-Object { $_.Ids -contains 'UnexpectedError' } | ForEach-Object { "$($_.File): $($_.Messages -join '; ')" })
        $unexpected | Should -BeNullOrEmpty
        $slow = @($Results | Where-Object Seconds -gt $hangSeconds | ForEach-Object { "$($_.File): $([int]$_.Seconds) s" })
        $slow | Should -BeNullOrEmpty
    }

    $messageCalls = @(
        { param($f) Unprotect-SmimeMessage -Path $f -Identity $identity -RemoveSignature -Destination "$f.opened" -Force @args }
        { param($f) Test-SmimeSignature -Path $f -TrustedRoot $root -NoSystemTrust -Identity $identity @args }
        { param($f) Get-SmimeMessage -Path $f @args }
    )
}

Describe 'Cmdlets on hostile input' {
    It 'replay the fuzzer''s message regressions with specific errors only' {
        $files = foreach ($target in 'mime', 'enveloped', 'signed', 'compressed', 'asn1') {
            Get-ChildItem (Join-Path $regressions $target) -File -ErrorAction Ignore | ForEach-Object {
                # A copy with an extension the message cmdlets read; the original stays as committed.
                $copy = Join-Path $TestDrive "$target-$($_.Name).eml"
                Copy-Item $_.FullName $copy
                $copy
            }
        }
        @($files).Count | Should -BeGreaterThan 0
        Assert-NoUnexpected @(foreach ($file in $files) { foreach ($call in $messageCalls) { Invoke-Case $call $file } })
    }

    It 'read byte-mutated signed and encrypted messages with specific errors only' {
        $message = $pki.sampleMessagePath
        $bases = [Collections.Generic.List[string]]::new()
        $bases.Add((Protect-SmimeMessage -Path $message -SignWith $identity -Destination (Join-Path $TestDrive 'signed.eml')).Destination)
        $bases.Add((Protect-SmimeMessage -Path $message -SignWith $identity -Opaque -Destination (Join-Path $TestDrive 'opaque.eml')).Destination)
        $bases.Add((Protect-SmimeMessage -Path $message -To $recipient -EncryptionAlgorithm Aes256Gcm -Destination (Join-Path $TestDrive 'gcm.eml')).Destination)
        $bases.Add((Protect-SmimeMessage -Path $message -SignWith $identity -To $recipient -Destination (Join-Path $TestDrive 'signed-encrypted.eml')).Destination)
        if ($hasOpenSsl) {
            # Peer messages: what openssl cms makes, not only what we make.
            $cert = Join-Path $pki.Folder 'rsa2048.crt'
            $key = Join-Path $pki.Folder 'rsa2048.key'
            & openssl cms -sign -in $message -signer $cert -inkey $key -out (Join-Path $TestDrive 'openssl-signed.eml') 2>$null
            & openssl cms -encrypt -aes256 -in $message -out (Join-Path $TestDrive 'openssl-encrypted.eml') $cert 2>$null
            & openssl cms -sign -nodetach -in $message -signer $cert -inkey $key -outform DER -out (Join-Path $TestDrive 'openssl-opaque.p7m') 2>$null
            Get-ChildItem $TestDrive -Filter 'openssl-*' | ForEach-Object { $bases.Add($_.FullName) }
        }

        # Seeded, so a failure names a file that the next run makes again byte for byte.
        $random = [Random]::new(20261204)
        $mutants = foreach ($base in $bases) {
            $bytes = [IO.File]::ReadAllBytes($base)
            for ($i = 0; $i -lt 4; $i++) {
                $copy = [byte[]]$bytes.Clone()
                switch ($i % 3) {
                    0 { for ($n = 0; $n -lt 1 + $random.Next(8); $n++) { $copy[$random.Next($copy.Length)] = [byte]$random.Next(256) } }
                    1 { $copy = $copy[0..($random.Next(1, $copy.Length) - 1)] }
                    2 { $at = $random.Next($copy.Length); $length = [Math]::Min(64, $copy.Length - $at); [Array]::Clear($copy, $at, $length) }
                }
                $file = Join-Path $TestDrive ("mutant-{0}-{1}{2}" -f [IO.Path]::GetFileNameWithoutExtension($base), $i, [IO.Path]::GetExtension($base))
                [IO.File]::WriteAllBytes($file, $copy)
                $file
            }
        }
        @($mutants).Count | Should -BeGreaterOrEqual 16
        Assert-NoUnexpected @(foreach ($file in $mutants) { foreach ($call in $messageCalls) { Invoke-Case $call $file } })
    }

    It 'Import-SmimeIdentity replays the fuzzer''s PKCS#12 regressions and mutated PKCS#12 files with specific errors only' {
        $files = @(Get-ChildItem (Join-Path $regressions 'pkcs12') -File | ForEach-Object FullName)
        $random = [Random]::new(4711)
        $bytes = [IO.File]::ReadAllBytes((Join-Path $pki.Folder 'p256.p12'))
        for ($i = 0; $i -lt 6; $i++) {
            $copy = [byte[]]$bytes.Clone()
            if ($i % 2) { $copy = $copy[0..($random.Next(1, $copy.Length) - 1)] } else { $copy[$random.Next($copy.Length)] = [byte]$random.Next(256) }
            $file = Join-Path $TestDrive "mutant-$i.p12"
            [IO.File]::WriteAllBytes($file, $copy)
            $files += $file
        }
        # In a child whose HOME is a temp folder: whatever does import lands in the test's own CurrentUser store.
        $result = Invoke-ChildPwsh -Environment @{ HOME = (Join-Path $TestDrive 'home') } -Arguments @{ Module = $ModulePath; Password = $pki.password; Files = ($files -join '|') } -Script {
            Import-Module $Module
            $secure = ConvertTo-SecureString $Password -AsPlainText -Force
            $outcomes = foreach ($file in $Files.Split('|')) {
                $watch = [Diagnostics.Stopwatch]::StartNew()
                $problems = @()
                try { Import-SmimeIdentity -Path $file -Password $secure -ErrorAction SilentlyContinue -ErrorVariable +problems | Out-Null } catch { $problems += $_ }
                @{ File = $file; Ids = @($problems | ForEach-Object { "$($_.FullyQualifiedErrorId)".Split(',')[0] }); Messages = @($problems | ForEach-Object { $_.Exception.Message }); Seconds = $watch.Elapsed.TotalSeconds }
            }
            @{ Outcomes = @($outcomes) } | ConvertTo-Json -Depth 4
        }
        @($result.Outcomes).Count | Should -Be $files.Count
        Assert-NoUnexpected @($result.Outcomes)
    }
}
