# -ThrottleLimit on Protect-SmimeMessage, Unprotect-SmimeMessage and Test-SmimeSignature: input order kept, errors
# with their messages, the same results as one at a time, and no temporary file left behind.
BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    Import-Module $ModulePath -Force
    $pki = Get-TestPki
    $alice = Get-SmimeCertificate -Path (Join-Path $pki.Folder 'rsa2048.p12') -Password $pki.SecurePassword
    $bob = Get-SmimeCertificate -Path (Join-Path $pki.Folder 'rsa3072.p12') -Password $pki.SecurePassword
    $trust = @{ TrustedRoot = $pki.root.certificatePath; Crl = $pki.intermediate.crlDerPath, $pki.root.crlDerPath }
    $inbox = New-Item -ItemType Directory (Join-Path $TestDrive 'in')
    # Messages of different sizes, so workers finish out of order.
    $inputs = foreach ($i in 1..12) {
        $path = Join-Path $inbox ('m{0:00}.eml' -f $i)
        $body = "message $i`r`n" + ('x' * (($i * 7919) % 20000))
        [IO.File]::WriteAllText($path, "From: alice@example.com`r`nTo: bob@example.com`r`nSubject: number $i`r`nMIME-Version: 1.0`r`nContent-Type: text/plain`r`n`r`n$body`r`n")
        Get-Item $path
    }
    function Out-Folder([string] $Name) { New-Item -ItemType Directory (Join-Path $TestDrive $Name) -Force }
    function Temporary([string] $Folder) { @(Get-ChildItem $Folder -Force -Filter '*.tmp') }
}

Describe '-ThrottleLimit' {
    It 'signs in input order, and Test-SmimeSignature -ThrottleLimit 2 checks them in input order' {
        $signed = Out-Folder 'signed'
        # Each result comes once its file is in place, while the pipeline still runs.
        $results = $inputs | Protect-SmimeMessage -SignWith $alice -Destination $signed -ThrottleLimit 2 |
            ForEach-Object { if (-not (Test-Path -LiteralPath $_.Destination)) { throw "result before its file: $($_.Destination)" }; $_ }
        $results.Source | Should -Be $inputs.FullName
        foreach ($result in $results) { Test-Path $result.Destination | Should -BeTrue }
        Temporary $signed | Should -BeNullOrEmpty

        $checks = Get-ChildItem $signed -Filter *.eml | Sort-Object Name | Test-SmimeSignature @trust -ThrottleLimit 2
        $checks.Path | Should -Be (Get-ChildItem $signed -Filter *.eml | Sort-Object Name).FullName
        $checks.IsValid | Should -Not -Contain $false
        $checks.Count | Should -Be 12
    }

    It 'encrypts and decrypts with -ThrottleLimit 2 to the same messages as one at a time' {
        $encrypted = Out-Folder 'encrypted'
        $parallel = Out-Folder 'decrypted-parallel'
        $sequential = Out-Folder 'decrypted-sequential'
        ($inputs | Protect-SmimeMessage -To $bob -Destination $encrypted -ThrottleLimit 2).Source | Should -Be $inputs.FullName
        $files = Get-ChildItem $encrypted -Filter *.eml | Sort-Object Name
        ($files | Unprotect-SmimeMessage -Identity $bob -Destination $parallel -ThrottleLimit 2).Source | Should -Be $files.FullName
        $files | Unprotect-SmimeMessage -Identity $bob -Destination $sequential | Out-Null
        foreach ($file in $files) {
            $a = [IO.File]::ReadAllBytes((Join-Path $parallel $file.Name))
            $b = [IO.File]::ReadAllBytes((Join-Path $sequential $file.Name))
            [Convert]::ToBase64String($a) | Should -Be ([Convert]::ToBase64String($b))
            [Text.Encoding]::ASCII.GetString($a) | Should -Match "message $([int]$file.BaseName.Substring(1))\r\n"
        }

        Temporary $encrypted | Should -BeNullOrEmpty
        Temporary $parallel | Should -BeNullOrEmpty
    }

    It 'reports each failing message as its own error, with the message as target, and goes on with the rest' {
        $encrypted = Out-Folder 'mixed'
        $inputs[0..5] | Protect-SmimeMessage -To $bob -Destination $encrypted | Out-Null
        # Two plain messages among the encrypted ones: nothing to remove from them.
        Copy-Item $inputs[6].FullName (Join-Path $encrypted 'm02.eml') -Force
        Copy-Item $inputs[7].FullName (Join-Path $encrypted 'm05.eml') -Force
        $out = Out-Folder 'mixed-out'
        $files = Get-ChildItem $encrypted -Filter *.eml | Sort-Object Name
        $results = $files | Unprotect-SmimeMessage -Identity $bob -Destination $out -ThrottleLimit 2 -ErrorVariable problems -ErrorAction SilentlyContinue
        $results.Source | Should -Be ($files | Where-Object Name -NotIn 'm02.eml', 'm05.eml').FullName
        $problems.Count | Should -Be 2
        $problems.FullyQualifiedErrorId | ForEach-Object { $_ | Should -BeLike 'NotSmimeMessage,*' }
        $problems.TargetObject | Should -Be (Join-Path $encrypted 'm02.eml'), (Join-Path $encrypted 'm05.eml')
        Test-Path (Join-Path $out 'm02.eml') | Should -BeFalse
        Temporary $out | Should -BeNullOrEmpty
    }

    It 'leaves a file that exists as it is and writes the others' {
        $out = Out-Folder 'exists'
        Set-Content (Join-Path $out 'm03.eml') 'the original'
        $results = $inputs[0..5] | Protect-SmimeMessage -SignWith $alice -Destination $out -ThrottleLimit 2 -ErrorVariable problems -ErrorAction SilentlyContinue
        $results.Count | Should -Be 5
        $problems.FullyQualifiedErrorId | Should -BeLike 'DestinationExists,*'
        $problems.TargetObject | Should -Be $inputs[2].FullName
        Get-Content (Join-Path $out 'm03.eml') -Raw | Should -Match 'the original'
        Temporary $out | Should -BeNullOrEmpty
    }

    It 'answers -Quiet in input order, false for an unsigned message' {
        $signed = Out-Folder 'quiet'
        $inputs[0..3] | Protect-SmimeMessage -SignWith $alice -Destination $signed | Out-Null
        $files = @(Get-ChildItem $signed -Filter *.eml | Sort-Object Name) + @($inputs[4]) + @(Get-ChildItem $signed -Filter *.eml | Sort-Object Name)
        $files | Test-SmimeSignature @trust -Quiet -ThrottleLimit 2 | Should -Be $true, $true, $true, $true, $false, $true, $true, $true, $true
    }

    It 'leaves no temporary file when the pipeline is stopped downstream (Select-Object -First), one worker or two' {
        $many = New-Item -ItemType Directory (Join-Path $TestDrive 'first') -Force
        foreach ($i in 1..80) { Copy-Item $inputs[$i % 12].FullName (Join-Path $many ('f{0:000}.eml' -f $i)) }
        foreach ($throttle in 1, 2) {
            $out = Out-Folder "first-$throttle"
            $results = Get-ChildItem $many -Filter *.eml | Protect-SmimeMessage -SignWith $alice -Destination $out -ThrottleLimit $throttle | Select-Object -First 3
            $results.Count | Should -Be 3
            foreach ($result in $results) { Test-Path -LiteralPath $result.Destination | Should -BeTrue }
            Temporary $out | Should -BeNullOrEmpty
            $written = @(Get-ChildItem $out -Filter *.eml)
            # Only whole batches were put in place, not every message: the rest was never committed.
            $written.Count | Should -BeLessThan 80
            ($written | Test-SmimeSignature @trust -Quiet) | Should -Not -Contain $false
        }
    }

    It 'leaves no temporary file and no partial file when stopped (Ctrl+C)' {
        $many = New-Item -ItemType Directory (Join-Path $TestDrive 'many')
        foreach ($i in 1..150) { Copy-Item $inputs[$i % 12].FullName (Join-Path $many ('n{0:000}.eml' -f $i)) }
        $out = Out-Folder 'stopped'
        $shell = [powershell]::Create()
        $null = $shell.AddScript({
            param($ModulePath, $Folder, $Out, $Identity)
            Import-Module $ModulePath
            Get-ChildItem $Folder -Filter *.eml | Protect-SmimeMessage -SignWith $Identity -Destination $Out -ThrottleLimit 2
        }).AddArgument($ModulePath).AddArgument($many.FullName).AddArgument($out.FullName).AddArgument($alice)
        $running = $shell.BeginInvoke()
        # Stop once the first batch is in place, in the middle of the job.
        $deadline = [DateTime]::UtcNow.AddSeconds(60)
        while (@(Get-ChildItem $out -Filter *.eml).Count -eq 0 -and -not $running.IsCompleted -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 20 }
        $shell.Stop()
        $shell.InvocationStateInfo.State | Should -Be 'Stopped'
        $shell.Dispose()
        $written = @(Get-ChildItem $out -Filter *.eml)
        $written.Count | Should -BeGreaterThan 0
        $written.Count | Should -BeLessThan 150
        Temporary $out | Should -BeNullOrEmpty
        # Every file that is there is whole: its signature checks.
        ($written | Test-SmimeSignature @trust -Quiet) | Should -Not -Contain $false
    }
}
