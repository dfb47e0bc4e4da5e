# Enrolment through the real cmdlets: New-SmimeCertificateRequest over a CSV of users (software keys, store keys in a
# child PowerShell with its own HOME, SoftHSM2 token keys), the state file and resuming (rerun, and a run killed
# halfway), -WhatIf, per-row errors, then Complete-SmimeCertificateRequest with certificates that openssl issues from
# the requests as the CA (openssl x509 -req with the test PKI's intermediate), PKCS#12 output opened by openssl pkcs12.
BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    . (Join-Path $PSScriptRoot 'TestDirectory.ps1')
    $script:noDirectory = [bool] (Get-TestDirectorySkipReason)
    $script:noOpenSsl = -not (Get-Command openssl -ErrorAction Ignore)
    $script:onWindows = $IsWindows
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    . (Join-Path $PSScriptRoot 'TokenSupport.ps1')
    . (Join-Path $PSScriptRoot 'TestDirectory.ps1')
    Import-Module $ModulePath -Force
    $pki = Get-TestPki
    function Secure([string] $Text) { ConvertTo-SecureString $Text -AsPlainText -Force }
    function Ids($Errors) { @($Errors | ForEach-Object { $_.FullyQualifiedErrorId.Split(',')[0] }) }
    function Invoke-OpenSsl {
        $output = & openssl @args 2>&1
        if ($LASTEXITCODE -ne 0) { throw "openssl $($args -join ' ') failed: $($output -join "`n")" }
        $output -join "`n"
    }
    # The CA: openssl signs each request with the test PKI's intermediate, copying the extensions the request asks for.
    function Approve([string] $Csr, [string] $Out) {
        Invoke-OpenSsl x509 -req -in $Csr -CA (Join-Path $pki.Folder 'intermediate.crt') -CAkey (Join-Path $pki.Folder 'intermediate.key') `
            -set_serial ('0x' + [guid]::NewGuid().ToString('n').Substring(0, 16)) -days 30 -sha256 -copy_extensions copyall -out $Out | Out-Null
        $Out
    }
    $passwords = @{
        'alice@example.test' = (Secure 'alice-key-pw')
        'bob@example.test'   = (Secure 'bob-key-pw')
        'carol@example.test' = (Secure 'carol-key-pw')
    }
}

Describe 'New-SmimeCertificateRequest and Complete-SmimeCertificateRequest with software keys' -Skip:$noOpenSsl {
    BeforeAll {
        $work = New-Item -ItemType Directory (Join-Path $TestDrive 'software')
        $csv = Join-Path $work 'users.csv'
        @'
Email,CommonName,Subject,KeyType
alice@example.test,Alice Example,,P256
bob@example.test,,"CN=Bob Example, O=SmimeTools Test",Rsa2048
,Nobody Without Address,,P256
carol@example.test,Carol Example,,P384
'@ | Set-Content $csv
        $state = Join-Path $work 'state.json'
        $requests = Join-Path $work 'requests'
        New-Item -ItemType Directory $requests | Out-Null
        $first = @(Import-Csv $csv | New-SmimeCertificateRequest -StateFile $state -OutFolder $requests -KeyPasswordPerUser { $passwords[$_.Email] } -ErrorVariable firstErrors -ErrorAction SilentlyContinue)
    }

    It 'makes one request per user with an address, and a per-row error (the row as target) for the one without' {
        $first.Email | Should -Be @('alice@example.test', 'bob@example.test', 'carol@example.test')
        $first.KeyLocation | Sort-Object -Unique | Should -Be 'File'
        $first.KeyAlgorithm | Should -Be @('EC P-256', 'RSA 2048', 'EC P-384')
        $first[0].PSObject.TypeNames[0] | Should -Be 'SmimeTools.Engine.Enrolment.CertificateRequestRecord'
        $first[0].Subject | Should -Be 'CN=Alice Example, E=alice@example.test'
        $first[1].Subject | Should -Be 'CN=Bob Example, O=SmimeTools Test'
        Ids $firstErrors | Should -Be @('InvalidRequest')
        $firstErrors[0].TargetObject.CommonName | Should -Be 'Nobody Without Address'
    }

    It 'writes requests openssl verifies, with the address, usages and SMIMECapabilities' {
        foreach ($record in $first) {
            $text = Invoke-OpenSsl req -in $record.Path -verify -noout -text
            $text | Should -Match 'verify OK|Certificate request self-signature verify OK'
            $text | Should -Match ([regex]::Escape("email:$($record.Email)"))
            $text | Should -Match 'E-mail Protection'
            $text | Should -Match 'S/MIME Capabilities|1\.2\.840\.113549\.1\.9\.15'
            Get-Content $record.Path -Raw | Should -Be $record.Pem
        }
    }

    It 'keeps each key encrypted (PBES2, owner-only), and openssl opens it only with its password' {
        foreach ($record in $first) {
            $bytes = [IO.File]::ReadAllText($record.KeyFile)
            $bytes | Should -Match '^-----BEGIN ENCRYPTED PRIVATE KEY-----'
            $bytes | Should -Not -Match 'BEGIN (RSA |EC )?PRIVATE KEY'
            if (-not $IsWindows) { (Get-Item $record.KeyFile).UnixMode | Should -Be '-rw-------' }
            $plain = [Net.NetworkCredential]::new('', $passwords[$record.Email]).Password
            Invoke-OpenSsl pkey -in $record.KeyFile -passin "pass:$plain" -noout | Out-Null
            & openssl pkey -in $record.KeyFile -passin 'pass:wrong' -noout 2>$null
            $LASTEXITCODE | Should -Not -Be 0
        }
    }

    It 'resumes from the state file on a rerun of the same CSV: no second key, the same requests' {
        $keys = @{}
        foreach ($record in $first) { $keys[$record.Email] = [IO.File]::ReadAllBytes($record.KeyFile) }
        $again = @(Import-Csv $csv | New-SmimeCertificateRequest -StateFile $state -OutFolder $requests -KeyPasswordPerUser { throw 'no password may be asked for a resumed user' } -ErrorAction SilentlyContinue)
        $again.Resumed | Should -Be @($true, $true, $true)
        $again.Pem | Should -Be $first.Pem
        foreach ($record in $again) { [IO.File]::ReadAllBytes($record.KeyFile) | Should -Be $keys[$record.Email] }
        @(Get-ChildItem $work -Filter '*.key.pem').Count | Should -Be 3
        (Get-Content $state -Raw | ConvertFrom-Json).requests.status | Should -Be @('Pending', 'Pending', 'Pending')
    }

    It '-WhatIf makes no key and writes no state' {
        $whatIf = Join-Path $work 'whatif'
        New-Item -ItemType Directory $whatIf | Out-Null
        Import-Csv $csv | New-SmimeCertificateRequest -StateFile (Join-Path $whatIf 'state.json') -KeyPassword (Secure 'x') -WhatIf -ErrorAction SilentlyContinue
        @(Get-ChildItem $whatIf).Count | Should -Be 0
    }

    It 'completes from the pipeline (certificates and objects with a Certificate property) and -Path, into PKCS#12 files openssl opens' {
        $issued = foreach ($record in $first) { Approve $record.Path (Join-Path $work "$($record.Email).crt") }
        $out = New-Item -ItemType Directory (Join-Path $work 'p12')
        $alice = Get-SmimeCertificate $issued[0]
        $bob = [pscustomobject]@{ Certificate = (Get-SmimeCertificate $issued[1]); Status = 'Issued' }
        $results = @($alice, $bob | Complete-SmimeCertificateRequest -StateFile $state -Path $issued[2], (Join-Path $pki.Folder 'rsa2048.crt') -OutFolder $out `
            -PasswordPerIdentity { Secure "p12-$($_.GetNameInfo('EmailName', $false))" } -KeyPasswordPerUser { $passwords[$_.Email] } `
            -Chain (Get-SmimeCertificate (Join-Path $pki.Folder 'intermediate.crt')), (Get-SmimeCertificate (Join-Path $pki.Folder 'root.crt')) `
            -PassThru -ErrorVariable completeErrors -ErrorAction SilentlyContinue)
        Ids $completeErrors | Should -Be @('NoPendingRequest')
        $records = $results | Where-Object { $_.PSObject.TypeNames[0] -eq 'SmimeTools.Engine.Enrolment.CompletionRecord' }
        $summary = $results | Where-Object { $_.PSObject.TypeNames[0] -eq 'SmimeTools.Engine.Enrolment.EnrolmentSummary' }
        $records.Email | Should -Be @('alice@example.test', 'bob@example.test', 'carol@example.test')
        $records.Status | Sort-Object -Unique | Should -Be 'Installed'
        $summary.InstalledCount | Should -Be 3
        $summary.PendingCount | Should -Be 0
        foreach ($record in $records) {
            $record.InstalledTo | Should -Exist
            $info = Invoke-OpenSsl pkcs12 -in $record.InstalledTo -passin "pass:p12-$($record.Email)" -info -nodes
            $info | Should -Match 'PBES2'
            $info | Should -Match 'BEGIN PRIVATE KEY'
            ([regex]::Matches($info, 'BEGIN CERTIFICATE')).Count | Should -Be 3
            $identity = Get-SmimeCertificate $record.InstalledTo -Password (Secure "p12-$($record.Email)") | Where-Object KeyLocation -ne 'None'
            $identity.Thumbprint | Should -Be $record.Thumbprint
        }
        @(Get-ChildItem $work -Filter '*.key.pem').Count | Should -Be 0
        (Get-Content $state -Raw | ConvertFrom-Json).requests.status | Should -Be @('Installed', 'Installed', 'Installed')
    }
}

Describe 'Separate signing and encryption requests' {
    It 'makes two keys and two requests per user, marked Signing and Encryption' {
        $folder = New-Item -ItemType Directory (Join-Path $TestDrive 'separate')
        $records = @([pscustomobject]@{ Email = 'dora@example.test'; CommonName = 'Dora' } |
            New-SmimeCertificateRequest -Usage Separate -KeyType P256 -KeyFolder $folder -KeyPassword (Secure 'dora-pw') -StateFile (Join-Path $folder 'state.json'))
        $records.Purpose | Should -Be @('Signing', 'Encryption')
        $records.KeyFile | Split-Path -Leaf | Should -Be @('dora@example.test-signing.key.pem', 'dora@example.test-encryption.key.pem')
        $records[0].Pem | Should -Not -Be $records[1].Pem
    }
}

Describe 'A batch killed halfway resumes without a second key' -Skip:$onWindows {
    It 'is killed after a few users are recorded; the rerun keeps their keys and does the rest' {
        $folder = New-Item -ItemType Directory (Join-Path $TestDrive 'killed')
        $csv = Join-Path $folder 'users.csv'
        (@('Email,KeyType') + (1..8 | ForEach-Object { "user$_@example.test,Rsa2048" })) | Set-Content $csv
        $state = Join-Path $folder 'state.json'
        $script = Join-Path $folder 'run.ps1'
        @"
Import-Module '$ModulePath'
Import-Csv '$csv' | New-SmimeCertificateRequest -StateFile '$state' -KeyPassword (ConvertTo-SecureString 'batch-pw' -AsPlainText -Force) | Out-Null
"@ | Set-Content $script
        $command = Get-PwshCommand
        $arguments = @($command | Select-Object -Skip 1) + @('-NoProfile', '-NonInteractive', '-File', $script)
        $process = Start-Process -FilePath $command[0] -ArgumentList $arguments -PassThru
        $deadline = [DateTime]::UtcNow.AddSeconds(90)
        $recorded = 0
        $killed = $false
        while (-not $process.HasExited -and [DateTime]::UtcNow -lt $deadline) {
            Start-Sleep -Milliseconds 50
            try { $recorded = @((Get-Content $state -Raw -ErrorAction Stop | ConvertFrom-Json).requests).Count } catch { $recorded = 0 }
            if ($recorded -ge 2 -and $recorded -lt 8) { $process.Kill(); $killed = $true; break }
        }
        $process.WaitForExit()
        $killed | Should -BeTrue -Because 'the child is stopped after recording some users and before the last'
        $before = @((Get-Content $state -Raw | ConvertFrom-Json).requests)
        $keysBefore = @{}
        foreach ($entry in $before) { $keysBefore[$entry.email] = [IO.File]::ReadAllBytes($entry.keyFile) }

        $rerun = @(Import-Csv $csv | New-SmimeCertificateRequest -StateFile $state -KeyPassword (Secure 'batch-pw'))
        $rerun.Count | Should -Be 8
        @($rerun | Where-Object Resumed).Count | Should -BeGreaterOrEqual $before.Count
        foreach ($entry in $before) {
            [IO.File]::ReadAllBytes($entry.keyFile) | Should -Be $keysBefore[$entry.email]
            ($rerun | Where-Object Email -eq $entry.email).Pem | Should -Be $entry.pem
        }
        @(Get-ChildItem $folder -Filter '*.key.pem').Count | Should -Be 8
        $after = @((Get-Content $state -Raw | ConvertFrom-Json).requests)
        $after.Count | Should -Be 8
        @($after.publicKeyHash | Sort-Object -Unique).Count | Should -Be 8
    }
}

Describe 'Store keys' -Skip:($onWindows -or $noOpenSsl) {
    It 'keeps the key in the REQUEST store until the certificate comes, then installs the identity in My' {
        $storeHome = New-Item -ItemType Directory (Join-Path $TestDrive 'store-home')
        $result = Invoke-ChildPwsh -Environment @{ HOME = $storeHome.FullName } -Arguments @{ Module = $ModulePath; PkiFolder = $pki.Folder; Work = $storeHome.FullName } {
            $ErrorActionPreference = 'Stop'
            Import-Module $Module
            function Thumbprints([string] $Name) {
                $store = [System.Security.Cryptography.X509Certificates.X509Store]::new($Name, 'CurrentUser')
                $store.Open('ReadOnly')
                try { @($store.Certificates | ForEach-Object { "$($_.Thumbprint) $($_.HasPrivateKey)" }) } finally { $store.Close() }
            }
            $state = Join-Path $Work 'state.json'
            $record = [pscustomobject]@{ Email = 'erin@example.test'; CommonName = 'Erin Example'; Store = 'Cert:\CurrentUser\My' } |
                New-SmimeCertificateRequest -StateFile $state -OutFolder $Work
            $pending = Thumbprints 'REQUEST'
            & openssl x509 -req -in $record.Path -CA (Join-Path $PkiFolder 'intermediate.crt') -CAkey (Join-Path $PkiFolder 'intermediate.key') -set_serial 0x5151 -days 30 -copy_extensions copyall -out (Join-Path $Work 'erin.crt') 2>$null
            $summary = Get-SmimeCertificate (Join-Path $Work 'erin.crt') | Complete-SmimeCertificateRequest -StateFile $state
            $identity = Get-SmimeCertificate -CertStoreLocation 'Cert:\CurrentUser\My' -Email 'erin@example.test'
            @{ KeyLocation = "$($record.KeyLocation)"; Store = $record.Store; Pending = $pending; After = Thumbprints 'REQUEST'; My = Thumbprints 'My';
                Installed = $summary.InstalledCount; IdentityKey = "$($identity.KeyLocation)"; Issued = (Get-SmimeCertificate (Join-Path $Work 'erin.crt')).Thumbprint } | ConvertTo-Json
        }
        $result.KeyLocation | Should -Be 'Store'
        $result.Store | Should -Be 'Cert:\CurrentUser\My'
        @($result.Pending).Count | Should -Be 1
        "$($result.Pending)" | Should -Match ' True$'
        "$($result.After)" | Should -BeNullOrEmpty
        $result.My | Should -Be "$($result.Issued) True"
        $result.Installed | Should -Be 1
        $result.IdentityKey | Should -Be 'Store'
    }
}

Describe 'Token keys (SoftHSM2)' -Skip:$noOpenSsl {
    BeforeAll {
        $token = New-SoftHsmTestToken -Label 'enrol-token' -Pki $pki -Identities @()
    }
    AfterAll {
        Remove-Module SmimeTools -ErrorAction Ignore
        Remove-Item Env:SOFTHSM2_CONF -ErrorAction Ignore
        if ($token.Folder) { Remove-Item $token.Folder -Recurse -Force -ErrorAction Ignore }
    }

    It 'with -WhatIf asks for no PIN and makes no key' {
        if ($token.Missing) { Set-ItResult -Skipped -Because $token.Missing; return }
        # A wrong PIN: any login would fail with TokenLoginFailed, and -ErrorAction Stop would end the test.
        $whatIfState = Join-Path $TestDrive 'token-whatif.json'
        [pscustomobject]@{ Email = 'frank@example.test'; Token = 'enrol-token' } |
            New-SmimeCertificateRequest -Pkcs11Module $token.Library -Pin (Secure '999999') -StateFile $whatIfState -OutFolder $TestDrive -WhatIf -ErrorAction Stop
        $whatIfState | Should -Not -Exist
        Join-Path $TestDrive 'frank@example.test.csr' | Should -Not -Exist
    }

    It 'makes the keys on the token from the CSV rows, and completes each certificate beside its key' {
        if ($token.Missing) { Set-ItResult -Skipped -Because $token.Missing; return }
        $folder = New-Item -ItemType Directory (Join-Path $TestDrive 'token')
        $state = Join-Path $folder 'state.json'
        $records = @(@([pscustomobject]@{ Email = 'frank@example.test'; CommonName = 'Frank'; KeyType = 'P256'; Token = 'enrol-token' },
                [pscustomobject]@{ Email = 'gina@example.test'; CommonName = 'Gina'; KeyType = 'Rsa2048'; Token = 'enrol-token' }) |
            New-SmimeCertificateRequest -Pkcs11Module $token.Library -Pin $token.Pin -StateFile $state -OutFolder $folder)
        $records.KeyLocation | Sort-Object -Unique | Should -Be 'Token'
        $records.KeyUri | ForEach-Object { $_ | Should -BeLike 'pkcs11:*type=private*' }
        foreach ($record in $records) { Invoke-OpenSsl req -in $record.Path -verify -noout | Out-Null }
        $issued = foreach ($record in $records) { Get-SmimeCertificate (Approve $record.Path (Join-Path $folder "$($record.Email).crt")) }
        $summary = $issued | Complete-SmimeCertificateRequest -StateFile $state -Pin $token.Pin
        $summary.InstalledCount | Should -Be 2
        foreach ($certificate in $issued) {
            $identity = Get-SmimeCertificate -Pkcs11Module $token.Library -Token 'enrol-token' -Pin $token.Pin | Where-Object Thumbprint -eq $certificate.Thumbprint
            $identity.KeyLocation | Should -Be 'Token'
        }
    }
}

Describe 'Publishing on completion (slapd)' -Skip:($noDirectory -or $noOpenSsl) {
    BeforeAll {
        Import-Module $ModulePath -Force
        $dir = Start-TestDirectory -PkiFolder $pki.Folder -WorkFolder (Join-Path $TestDrive 'slapd')
        $tls = New-SmimeDirectory $dir.ldapsUri -TrustedRoot (Join-Path $pki.Folder 'root.crt')
    }
    AfterAll {
        Stop-TestDirectory $dir
    }

    It 'installs the certificate, then adds it to the owner''s entry' {
        $folder = New-Item -ItemType Directory (Join-Path $TestDrive 'publish')
        $state = Join-Path $folder 'state.json'
        $record = [pscustomobject]@{ Email = 'erin@example.com'; CommonName = 'Erin Example' } |
            New-SmimeCertificateRequest -StateFile $state -OutFolder $folder -KeyPassword (Secure 'erin-pw')
        $certificate = Get-SmimeCertificate (Approve $record.Path (Join-Path $folder 'erin.crt'))
        $results = @($certificate | Complete-SmimeCertificateRequest -StateFile $state -OutFolder $folder -KeyPassword (Secure 'erin-pw') -Password (Secure 'erin-p12') `
            -Publish -Directory $tls -Credential $dir.AdminCredential -PassThru)
        $results[0].Status | Should -Be 'Installed'
        $results[0].PublishedTo | Should -Be 'uid=erin,ou=people,dc=example,dc=com'
        (Get-SmimeCertificate -Directory $dir.ldapUri -Email erin@example.com).Thumbprint | Should -Be $certificate.Thumbprint
    }
}

Describe 'The whole loop: a CSV of users, the local CA, completion, then mail between them' {
    It 'issues every request of the batch with New-SmimeCertificate, installs the identities, and they sign and decrypt' {
        $work = New-Item -ItemType Directory (Join-Path $TestDrive 'loop')
        $out = New-Item -ItemType Directory (Join-Path $work 'identities')
        $ca = New-SmimeCertificate -SelfSigned -CertificateAuthority -Subject 'CN=Loop Test CA' -KeyType P256 -NotAfter (Get-Date).AddDays(30)
        $crl = New-SmimeCrl -Issuer $ca -OutFile (Join-Path $work 'ca.crl')
        $state = Join-Path $work 'state.json'
        $keyPassword = Secure 'loop-key-pw'
        $users = "Email,CommonName,KeyType`ndora@example.test,Dora Example,Rsa2048`nerin@example.test,Erin Example,P256" | ConvertFrom-Csv

        # Requests, issued by the local CA straight from the pipeline (bound by their Pem property), then installed.
        $issued = @($users | New-SmimeCertificateRequest -StateFile $state -KeyFolder $work -KeyPassword $keyPassword | New-SmimeCertificate -Issuer $ca)
        $issued | Should -HaveCount 2
        $results = @($issued | Complete-SmimeCertificateRequest -StateFile $state -OutFolder $out -Password (Secure 'loop-p12-pw') -KeyPassword $keyPassword -Chain $ca -PassThru)
        $records = $results | Where-Object { $_.PSObject.TypeNames[0] -eq 'SmimeTools.Engine.Enrolment.CompletionRecord' }
        $records.Status | Sort-Object -Unique | Should -Be 'Installed'
        (Get-Content $state -Raw | ConvertFrom-Json).requests.status | Should -Be @('Installed', 'Installed')

        # What was installed is an S/MIME identity: Dora signs and encrypts to Erin, Erin decrypts and the signature is valid.
        $dora = Get-SmimeCertificate -Path ($records | Where-Object Email -eq 'dora@example.test').InstalledTo -Password (Secure 'loop-p12-pw') | Where-Object HasUsableKey
        $erin = Get-SmimeCertificate -Path ($records | Where-Object Email -eq 'erin@example.test').InstalledTo -Password (Secure 'loop-p12-pw') | Where-Object HasUsableKey
        $draft = Join-Path $work 'draft.eml'
        Set-Content -Path $draft -NoNewline -Value "From: dora@example.test`r`nTo: erin@example.test`r`nSubject: enrolled`r`nContent-Type: text/plain`r`n`r`nWelcome aboard.`r`n"
        $sent = Protect-SmimeMessage -Path $draft -SignWith $dora -To $erin -Destination (Join-Path $work 'sent.eml')
        $sent | Should -BeEncryptedTo $erin
        $opened = Unprotect-SmimeMessage -Path $sent.Destination -Identity $erin -Destination (Join-Path $work 'opened.eml')
        $opened | Should -BeValidSmimeSignature -Signer dora@example.test -TrustedRoot $ca -Crl $crl.Path
        Get-Content -Raw $opened.Destination | Should -Match 'Welcome aboard'
    }
}
