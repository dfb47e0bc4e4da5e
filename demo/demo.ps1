# The SmimeTools walk-through that 'build.ps1 Demo' runs on a throwaway PKI. Each later feature adds its step here.
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $PkiManifest
)
$ErrorActionPreference = 'Stop'
Import-Module $ModulePath -Force
$pki = Get-Content $PkiManifest -Raw | ConvertFrom-Json
$folder = Split-Path $PkiManifest -Parent
$password = ConvertTo-SecureString $pki.password -AsPlainText -Force

function Show-Step([string] $Title, [string] $Command) {
    Write-Host ''
    Write-Host "── $Title" -ForegroundColor Cyan
    Write-Host "PS> $Command" -ForegroundColor DarkGray
}

# Tables are laid out for a wide console even when the output goes to a file or a CI log.
$PSDefaultParameterValues['Out-String:Width'] = 160
function Show-Table { $input | Out-String | Write-Host }

Show-Step 'Every user certificate in the demo PKI, with what it is good for' `
    'Get-SmimeCertificate -Path $folder/*.crt'
Get-SmimeCertificate -Path (Join-Path $folder '*.crt') | Show-Table

Show-Step 'A PKCS#7 bundle holds the chain' 'Get-SmimeCertificate -Path $folder/bundle.p7b | Format-Table Subject, Issuer, NotAfter'
Get-SmimeCertificate -Path (Join-Path $folder 'bundle.p7b') | Format-Table Subject, Issuer, NotAfter | Show-Table

Show-Step 'Identities: the certificates that came with a private key' `
    "Get-SmimeCertificate -Path `$folder/*.p12 -Password `$password | Where-Object KeyLocation -eq 'File'"
Get-SmimeCertificate -Path (Join-Path $folder '*.p12') -Password $password |
    Where-Object { $_.KeyLocation -eq 'File' } |
    Select-Object @{ n = 'File'; e = { Split-Path $_.Source -Leaf } }, Emails, CanSign, CanEncrypt, HasUsableKey,
        @{ n = 'Algorithm'; e = { $_.PublicKey.Oid.FriendlyName } } |
    Format-Table -AutoSize | Show-Table

Show-Step "Alice's certificate in full" 'Get-SmimeCertificate -Path $folder/rsa2048.crt | Format-List'
Get-SmimeCertificate -Path (Join-Path $folder 'rsa2048.crt') |
    Format-List Subject, Issuer, Emails, CanSign, CanEncrypt, NotBefore, NotAfter, Thumbprint, KeyLocation, Source | Show-Table

Show-Step 'Certificates that cannot be used for e-mail, and why' `
    'Get-SmimeCertificate -Path $folder/*.crt | Where-Object { -not $_.CanSign -or -not $_.CanEncrypt }'
Get-SmimeCertificate -Path (Join-Path $folder '*.crt') |
    Where-Object { -not $_.CanSign -or -not $_.CanEncrypt } |
    Select-Object @{ n = 'File'; e = { Split-Path $_.Source -Leaf } }, Emails, CanSign, CanEncrypt,
        @{ n = 'KeyUsage'; e = { ($_.Extensions | Where-Object { $_ -is [System.Security.Cryptography.X509Certificates.X509KeyUsageExtension] }).KeyUsages } } |
    Format-Table -AutoSize | Show-Table

Show-Step 'A wrong password is a clear, per-file error; the other files are still read' `
    "Get-SmimeCertificate -Path rsa2048.p12, rsa3072.crt -Password (wrong)"
$wrong = ConvertTo-SecureString 'not-the-password' -AsPlainText -Force
Get-SmimeCertificate -Path (Join-Path $folder 'rsa2048.p12'), (Join-Path $folder 'rsa3072.crt') -Password $wrong -ErrorAction SilentlyContinue -ErrorVariable problems |
    Show-Table
$problems | ForEach-Object { Write-Host ("ErrorId {0}: {1}" -f $_.FullyQualifiedErrorId.Split(',')[0], $_.Exception.Message) -ForegroundColor Yellow }

# ── Protecting and opening messages ────────────────────────────────────────────────────────────────
$work = Join-Path ([IO.Path]::GetTempPath()) ('smimetools-demo-mail-' + [guid]::NewGuid().ToString('n').Substring(0, 8))
New-Item -ItemType Directory $work | Out-Null
try {
    $alice = Get-SmimeCertificate -Path (Join-Path $folder 'rsa2048.p12') -Password $password
    $bobCertificate = Get-SmimeCertificate -Path (Join-Path $folder 'rsa3072.crt')
    $bob = Get-SmimeCertificate -Path (Join-Path $folder 'rsa3072.p12') -Password $password

    Show-Step 'Alice signs a message (multipart/signed, canonical form, chain included)' `
        'Protect-SmimeMessage -Path message.eml -SignWith $alice -Destination signed.eml'
    Protect-SmimeMessage -Path $pki.sampleMessagePath -SignWith $alice -Destination (Join-Path $work 'signed.eml') | Show-Table
    Get-Content (Join-Path $work 'signed.eml') -TotalCount 12 | Out-String | Write-Host -ForegroundColor DarkGray

    Show-Step 'Alice signs and encrypts to Bob; she is a recipient too, so her sent copy stays readable' `
        'Protect-SmimeMessage -Path message.eml -SignWith $alice -To $bobCertificate -Destination sent.eml'
    Protect-SmimeMessage -Path $pki.sampleMessagePath -SignWith $alice -To $bobCertificate -Destination (Join-Path $work 'sent.eml') |
        Format-List Source, Destination, Signed, Encrypted, ContentEncryption, RecipientThumbprints | Show-Table

    Show-Step 'Bob opens it: each layer taken off is reported' `
        'Unprotect-SmimeMessage -Path sent.eml -Identity $bob -RemoveSignature -Destination opened.eml'
    $opened = Unprotect-SmimeMessage -Path (Join-Path $work 'sent.eml') -Identity $bob -RemoveSignature -Destination (Join-Path $work 'opened.eml')
    $opened | Show-Table
    $opened.Layers | Format-Table Kind, Algorithm, IsWeak, OpenedBy -AutoSize | Show-Table

    Show-Step 'Carol holds no key for it: the error names the recipients it was made for' `
        'Unprotect-SmimeMessage -Path sent.eml -Identity $carol'
    $carol = Get-SmimeCertificate -Path (Join-Path $folder 'p256.p12') -Password $password
    Unprotect-SmimeMessage -Path (Join-Path $work 'sent.eml') -Identity $carol -ErrorAction SilentlyContinue -ErrorVariable denied | Out-Null
    $denied | ForEach-Object { Write-Host ("ErrorId {0}: {1}" -f $_.FullyQualifiedErrorId.Split(',')[0], $_.Exception.Message) -ForegroundColor Yellow }

    Show-Step 'A 512-bit key is refused with its size and the way out, not a vague "check your keys"' `
        'Protect-SmimeMessage -Path message.eml -To (Get-SmimeCertificate rsa512.crt)'
    Protect-SmimeMessage -Path $pki.sampleMessagePath -To (Get-SmimeCertificate -Path (Join-Path $folder 'rsa512.crt')) -ErrorAction SilentlyContinue -ErrorVariable refused | Out-Null
    $refused | ForEach-Object {
        Write-Host ("ErrorId {0}: {1}" -f $_.FullyQualifiedErrorId.Split(',')[0], $_.Exception.Message) -ForegroundColor Yellow
        Write-Host ("  {0}" -f $_.ErrorDetails.RecommendedAction) -ForegroundColor Yellow
    }
}
finally {
    Remove-Item $work -Recurse -Force -ErrorAction SilentlyContinue
}

# ── Finding certificates: queries, stores and the Cert: drive ──────────────────────────────────────
# Queries run on the demo PKI's files; the stores and the Cert: drive are only listed and read, never changed.
Show-Step 'By address, without regard to case, and with international domain names in either form' `
    "Get-SmimeCertificate -Path `$folder/*.crt -Email 'BOB@example.com', 'jürgen@XN--BCHER-KVA.example'"
Get-SmimeCertificate -Path (Join-Path $folder '*.crt') -Email 'BOB@example.com', 'jürgen@XN--BCHER-KVA.example' |
    Select-Object Subject, Emails | Format-Table -AutoSize | Show-Table

Show-Step "Erin has two certificates for one address: -Usage tells the signing one from the encryption one" `
    'Get-SmimeCertificate -Path $folder/*.crt -Email erin@example.com -Usage Signing   (then -Usage Encryption)'
@(foreach ($usage in 'Signing', 'Encryption') {
    Get-SmimeCertificate -Path (Join-Path $folder '*.crt') -Email erin@example.com -Usage $usage |
        Select-Object @{ n = 'Usage'; e = { $usage } }, Subject, @{ n = 'Key'; e = { $_.PublicKey.Oid.FriendlyName } }, Thumbprint
}) | Format-Table -AutoSize | Show-Table

Show-Step 'Valid now, or at another time: -Valid and -At' `
    'Get-SmimeCertificate -Path $folder/*.crt -At (Get-Date).AddMonths(-13)'
Get-SmimeCertificate -Path (Join-Path $folder '*.crt') -At (Get-Date).AddMonths(-13) |
    Select-Object Subject, NotBefore, NotAfter | Format-Table -AutoSize | Show-Table

Show-Step "Alice renewed her certificate: of the usable ones, the newest NotBefore is the one an address resolves to" `
    '$all | Get-SmimeCertificate -Email alice@example.com -Usage Encryption -Valid | Sort-Object NotBefore -Descending'
$all = Get-SmimeCertificate -Path (Join-Path $folder '*.crt')
$all | Get-SmimeCertificate -Email alice@example.com -Usage Encryption -Valid | Sort-Object NotBefore -Descending |
    Select-Object Thumbprint, NotBefore, @{ n = 'File'; e = { Split-Path $_.Source -Leaf } } | Format-Table -AutoSize | Show-Table

Show-Step 'The Cert: drive: built into PowerShell on Windows, mounted by SmimeTools on Linux and macOS' `
    'Get-PSDrive Cert; Get-ChildItem Cert:\; Get-ChildItem Cert:\CurrentUser'
Get-PSDrive Cert | Format-Table Name, Provider, Description -AutoSize | Show-Table
Get-ChildItem Cert:\ | Show-Table
Get-ChildItem Cert:\CurrentUser | Show-Table

Show-Step 'An address with no usable certificate in the stores stops before any message, naming what was searched' `
    'Protect-SmimeMessage -Path message.eml -To nobody@example.invalid'
try {
    Protect-SmimeMessage -Path $pki.sampleMessagePath -To nobody@example.invalid | Out-Null
}
catch {
    Write-Host ("ErrorId {0}: {1}" -f $_.FullyQualifiedErrorId.Split(',')[0], $_.Exception.Message) -ForegroundColor Yellow
    Write-Host ("  {0}" -f $_.ErrorDetails.RecommendedAction) -ForegroundColor Yellow
}

# ── Identities: bulk export and import ─────────────────────────────────────────────────────────────
# Exports go to a temp folder; the import runs in a child PowerShell whose HOME is a temp folder, so .NET's
# CurrentUser stores there are the demo's own and the user's stores are never touched.
$identities = Join-Path ([IO.Path]::GetTempPath()) ('smimetools-demo-identities-' + [guid]::NewGuid().ToString('n').Substring(0, 8))
New-Item -ItemType Directory (Join-Path $identities 'handout'), (Join-Path $identities 'directory'), (Join-Path $identities 'home') | Out-Null
try {
    Show-Step 'Hand out identities: one PKCS#12 file each (AES-256, HMAC-SHA256, mode 0600), each with its own new password' `
        'Get-SmimeCertificate $folder/rsa2048.p12, rsa3072.p12, p256.p12, ed25519.p12 -Password $password | Export-SmimeIdentity -Destination ./handout -PasswordPerIdentity { ... }'
    $letters = [ordered]@{}
    Get-SmimeCertificate -Path ('rsa2048', 'rsa3072', 'p256', 'ed25519' | ForEach-Object { Join-Path $folder "$_.p12" }) -Password $password |
        Export-SmimeIdentity -Destination (Join-Path $identities 'handout') -PasswordPerIdentity {
            $plain = [Convert]::ToBase64String([Security.Cryptography.RandomNumberGenerator]::GetBytes(12))
            $letters[$_.Emails[0]] = $plain
            ConvertTo-SecureString $plain -AsPlainText -Force
        } | Show-Table
    Get-ChildItem (Join-Path $identities 'handout') | Format-Table Name, UnixFileMode, Length -AutoSize | Show-Table
    Write-Host "New passwords, to send to each user by another channel: $($letters.Keys -join ', ')"

    Show-Step 'For gpgsm 2.2 and other old readers: the OpenSSL -legacy form, with the intermediate CA' `
        "Export-SmimeIdentity -Destination bob-gpgsm.p12 -Password `$password -Legacy -IncludeChain"
    Get-SmimeCertificate -Path (Join-Path $folder 'rsa3072.p12') -Password $password |
        Export-SmimeIdentity -Destination (Join-Path $identities 'bob-gpgsm.p12') -Password $password -Legacy -IncludeChain |
        Format-Table Emails, Format, KeyAlgorithm, Path -AutoSize | Show-Table

    Show-Step 'Certificates alone, for an address book or a directory' `
        "Get-SmimeCertificate `$folder/*.crt -Email alice@example.com, bob@example.com | Export-SmimeIdentity -Destination ./directory -PublicOnly -Format Pem -FileNamePattern '{Email}-{Serial}.pem'"
    Get-SmimeCertificate -Path (Join-Path $folder '*.crt') -Email alice@example.com, bob@example.com |
        Export-SmimeIdentity -Destination (Join-Path $identities 'directory') -PublicOnly -Format Pem -FileNamePattern '{Email}-{Serial}.pem' |
        Format-Table Emails, Format, @{ n = 'File'; e = { Split-Path $_.Path -Leaf } } -AutoSize | Show-Table

    Show-Step 'Bulk import into Cert:\CurrentUser\My: a file with another password fails alone; Ed25519 cannot live in a .NET store' `
        'Get-ChildItem ./handout, $folder/p384.p12 | Import-SmimeIdentity -Password ...   (in a throwaway HOME)'
    $import = Join-Path $identities 'import.ps1'
    Set-Content -Path $import -Encoding utf8 -Value {
        param($Module, $Handout, $LettersFile, $Other)
        Import-Module $Module
        $letters = Get-Content $LettersFile -Raw | ConvertFrom-Json -AsHashtable
        $problems = @()
        Get-ChildItem $Handout -Filter *.p12 | ForEach-Object {
            $secret = ConvertTo-SecureString $letters[$_.BaseName] -AsPlainText -Force
            $_ | Import-SmimeIdentity -Password $secret -ErrorAction SilentlyContinue -ErrorVariable +problems
        } | Format-Table -AutoSize | Out-String -Width 160
        Import-SmimeIdentity -Path $Other -Password (ConvertTo-SecureString 'not-the-password' -AsPlainText -Force) -ErrorAction SilentlyContinue -ErrorVariable +problems
        $problems | ForEach-Object { "ErrorId {0}: {1}" -f $_.FullyQualifiedErrorId.Split(',')[0], $_.Exception.Message }
        $store = [System.Security.Cryptography.X509Certificates.X509Store]::new('My', 'CurrentUser'); $store.Open('ReadOnly')
        "Cert:\CurrentUser\My now holds $($store.Certificates.Count) identities, in the throwaway $HOME"
    }.ToString()
    $lettersFile = Join-Path $identities 'letters.json'
    $letters | ConvertTo-Json | Set-Content -Path $lettersFile -Encoding utf8
    $pwsh = if ([IO.Path]::GetFileNameWithoutExtension([Environment]::ProcessPath) -eq 'dotnet') { @([Environment]::ProcessPath, (Join-Path $PSHOME 'pwsh.dll')) } else { @([Environment]::ProcessPath) }
    $savedHome = $env:HOME
    try {
        $env:HOME = Join-Path $identities 'home'
        & $pwsh[0] @($pwsh | Select-Object -Skip 1) -NoProfile -NonInteractive -File $import $ModulePath (Join-Path $identities 'handout') $lettersFile (Join-Path $folder 'p384.p12') |
            ForEach-Object { Write-Host $_ }
    }
    finally {
        $env:HOME = $savedHome
    }
}
finally {
    Remove-Item $identities -Recurse -Force -ErrorAction SilentlyContinue
}

# ── Inspecting messages without keys ───────────────────────────────────────────────────────────────
$inspect = Join-Path ([IO.Path]::GetTempPath()) ('smimetools-demo-inspect-' + [guid]::NewGuid().ToString('n').Substring(0, 8))
New-Item -ItemType Directory $inspect | Out-Null
try {
    $alice = Get-SmimeCertificate -Path (Join-Path $folder 'rsa2048.p12') -Password $password
    Copy-Item $pki.sampleMessagePath (Join-Path $inspect 'plain.eml')
    Protect-SmimeMessage -Path $pki.sampleMessagePath -SignWith $alice -Destination (Join-Path $inspect 'signed.eml') | Out-Null
    Protect-SmimeMessage -Path $pki.sampleMessagePath -SignWith $alice -To (Join-Path $folder 'rsa3072.crt') -Destination (Join-Path $inspect 'sent.eml') | Out-Null
    Set-Content (Join-Path $inspect 'broken.eml') -Value 'not a message'

    Show-Step 'A quick look at a folder, no key needed; the broken file is one error, the rest are listed' `
        'Get-SmimeMessage -Path inbox'
    Get-SmimeMessage -Path $inspect -ErrorAction SilentlyContinue -ErrorVariable broken | Show-Table
    $broken | ForEach-Object { Write-Host ("ErrorId {0}: {1}" -f $_.FullyQualifiedErrorId.Split(',')[0], $_.Exception.Message) -ForegroundColor Yellow }

    Show-Step 'The encrypted one spelled out: who can open it, with what; inside is hidden' `
        'Get-SmimeMessage -Path inbox/sent.eml | Format-List'
    Get-SmimeMessage -Path (Join-Path $inspect 'sent.eml') | Format-List | Show-Table
}
finally {
    Remove-Item $inspect -Recurse -Force -ErrorAction SilentlyContinue
}

# ── Verifying signatures ───────────────────────────────────────────────────────────────────────────
$verify = Join-Path ([IO.Path]::GetTempPath()) ('smimetools-demo-verify-' + [guid]::NewGuid().ToString('n').Substring(0, 8))
New-Item -ItemType Directory $verify | Out-Null
try {
    $alice = Get-SmimeCertificate -Path (Join-Path $folder 'rsa2048.p12') -Password $password
    $signedPath = Join-Path $verify 'signed.eml'
    Protect-SmimeMessage -Path $pki.sampleMessagePath -SignWith $alice -Destination $signedPath | Out-Null
    $tamperedPath = Join-Path $verify 'tampered.eml'
    [IO.File]::WriteAllText($tamperedPath, [IO.File]::ReadAllText($signedPath).Replace('figures.csv', 'figures.CSV'))
    $crls = (Join-Path $folder 'intermediate.crl'), (Join-Path $folder 'root.crl')

    Show-Step 'Verify a signed and a tampered message against the test root' `
        'Test-SmimeSignature -Path signed.eml, tampered.eml -TrustedRoot root.crt -Crl intermediate.crl, root.crl'
    Test-SmimeSignature -Path $signedPath, $tamperedPath -TrustedRoot (Join-Path $folder 'root.crt') -Crl $crls | Show-Table

    Show-Step 'Without the root: every reason spelled out' `
        'Test-SmimeSignature -Path signed.eml -NoSystemTrust | Format-List'
    Test-SmimeSignature -Path $signedPath -NoSystemTrust | Format-List | Show-Table
}
finally {
    Remove-Item $verify -Recurse -Force -ErrorAction SilentlyContinue
}

# ── A local CA for labs and CI ─────────────────────────────────────────────────────────────────────
$lab = Join-Path ([IO.Path]::GetTempPath()) ('smimetools-demo-ca-' + [guid]::NewGuid().ToString('n').Substring(0, 8))
New-Item -ItemType Directory $lab | Out-Null
try {
    Show-Step 'A throwaway CA and a user, all in memory' `
        "`$ca = New-SmimeCertificate -SelfSigned -CertificateAuthority -Subject 'CN=Demo Lab CA' -KeyType P256; New-SmimeCertificate -Issuer `$ca -Subject 'CN=Liam' -Email liam@example.test"
    $labCa = New-SmimeCertificate -SelfSigned -CertificateAuthority -Subject 'CN=Demo Lab CA' -KeyType P256
    $liam = New-SmimeCertificate -Issuer $labCa -Subject 'CN=Liam' -Email liam@example.test -KeyType P256
    $labCa, $liam | Show-Table

    $labDraft = Join-Path $lab 'liam.eml'
    Set-Content -Path $labDraft -NoNewline -Value "From: liam@example.test`r`nTo: team@example.test`r`nSubject: Lab results`r`n`r`nAll green.`r`n"
    $labSigned = Join-Path $lab 'liam-signed.eml'
    Protect-SmimeMessage -Path $labDraft -SignWith $liam -Destination $labSigned | Out-Null
    $emptyCrl = New-SmimeCrl -Issuer $labCa -OutFile (Join-Path $lab 'lab.crl')
    $revokedCrl = New-SmimeCrl -Issuer $labCa -RevokedCertificate $liam -Reason KeyCompromise -BaseCrl $emptyCrl.Path -OutFile (Join-Path $lab 'lab-2.crl')
    Show-Step "Liam's signature before and after his certificate is revoked on the CA's CRL" `
        'New-SmimeCrl -Issuer $ca -RevokedCertificate $liam -Reason KeyCompromise -BaseCrl lab.crl -OutFile lab-2.crl'
    $emptyCrl, $revokedCrl | Show-Table
    foreach ($crl in $emptyCrl, $revokedCrl) {
        Test-SmimeSignature -Path $labSigned -TrustedRoot $labCa -Crl $crl.Path | Select-Object @{ n = 'Crl'; e = { Split-Path $crl.Path -Leaf } }, Status, SignerEmail | Show-Table
    }
}
finally {
    Remove-Item $lab -Recurse -Force -ErrorAction SilentlyContinue
}

# ── Moving an archive to a new key ─────────────────────────────────────────────────────────────────
$archive = Join-Path ([IO.Path]::GetTempPath()) ('smimetools-demo-archive-' + [guid]::NewGuid().ToString('n').Substring(0, 8))
New-Item -ItemType Directory $archive | Out-Null
try {
    $alice = Get-SmimeCertificate -Path (Join-Path $folder 'rsa2048.p12') -Password $password | Where-Object HasUsableKey
    foreach ($n in 1..3) {
        Protect-SmimeMessage -Path $pki.sampleMessagePath -To (Join-Path $folder 'rsa2048.crt') -Destination (Join-Path $archive "2016-$n.eml") | Out-Null
    }
    Protect-SmimeMessage -Path $pki.sampleMessagePath -To (Join-Path $folder 'rsa2048.crt') -EncryptionAlgorithm TripleDesCbc -AllowWeakAlgorithm `
        -Destination (Join-Path $archive '2009-old.eml') | Out-Null
    Copy-Item $pki.sampleMessagePath (Join-Path $archive 'plain.eml')

    Show-Step "Alice's key rolls over: her archive is given to the new key too, in place; the plain message is reported and left alone" `
        'Update-SmimeEncryption -Path archive -To p256.crt -Identity $alice -PassThru'
    $results = Update-SmimeEncryption -Path $archive -To (Join-Path $folder 'p256.crt') -Identity $alice -PassThru -ErrorAction SilentlyContinue -ErrorVariable skipped
    $results | Select-Object -SkipLast 1 | Show-Table
    $results[-1] | Show-Table
    $skipped | ForEach-Object { Write-Host ("ErrorId {0}: {1}" -f $_.FullyQualifiedErrorId.Split(',')[0], $_.Exception.Message) -ForegroundColor Yellow }

    Show-Step 'Run it again: the journal says every message is done, nothing is rewritten' `
        'Update-SmimeEncryption -Path archive -To p256.crt -Identity $alice'
    Update-SmimeEncryption -Path $archive -To (Join-Path $folder 'p256.crt') -Identity $alice -ErrorAction SilentlyContinue | Show-Table

    Show-Step 'Then retire the old key: re-encrypt with AES-256-GCM for the new key only (the 3DES message becomes AES too)' `
        'Update-SmimeEncryption -Path archive -Mode Reencrypt -EncryptionAlgorithm Aes256Gcm -To p256.crt -Identity $alice -RemoveRecipient $alice -PassThru'
    $results = Update-SmimeEncryption -Path $archive -Mode Reencrypt -EncryptionAlgorithm Aes256Gcm -To (Join-Path $folder 'p256.crt') -Identity $alice `
        -RemoveRecipient $alice -PassThru -ErrorAction SilentlyContinue -ErrorVariable skipped
    $results | Select-Object -SkipLast 1 | Show-Table
    $results[-1] | Show-Table
    $skipped | ForEach-Object { Write-Host ("ErrorId {0}: {1}" -f $_.FullyQualifiedErrorId.Split(',')[0], $_.Exception.Message) -ForegroundColor Yellow }
}
finally {
    Remove-Item $archive -Recurse -Force -ErrorAction SilentlyContinue
}

# ── Rolling an archive from an expiring certificate to its successor ──────────────────────────────
# The demo CA issues Alice a certificate that expires in ten days (with .NET's CertificateRequest, as a CA would); her
# successor is the demo PKI's renewed.crt. The same roll-over runs with the old key on a smart card in the token step.
$rollover = Join-Path ([IO.Path]::GetTempPath()) ('smimetools-demo-rollover-' + [guid]::NewGuid().ToString('n').Substring(0, 8))
New-Item -ItemType Directory (Join-Path $rollover 'archive') | Out-Null
function New-ExpiringIdentity([string] $Destination, [int] $Days) {
    # An RSA 2048 mail certificate for alice@example.com from the demo intermediate CA, valid for $Days more days.
    $issuer = [Security.Cryptography.X509Certificates.X509Certificate2]::CreateFromPemFile((Join-Path $folder 'intermediate.crt'), (Join-Path $folder 'intermediate.key'))
    $key = [Security.Cryptography.RSA]::Create(2048)
    $request = [Security.Cryptography.X509Certificates.CertificateRequest]::new('E=alice@example.com, CN=Alice Example, O=SmimeTools Test', $key,
        [Security.Cryptography.HashAlgorithmName]::SHA256, [Security.Cryptography.RSASignaturePadding]::Pkcs1)
    $names = [Security.Cryptography.X509Certificates.SubjectAlternativeNameBuilder]::new()
    $names.AddEmailAddress('alice@example.com')
    $mail = [Security.Cryptography.OidCollection]::new()
    [void] $mail.Add([Security.Cryptography.Oid]::new('1.3.6.1.5.5.7.3.4'))
    $extensions = $request.CertificateExtensions
    $extensions.Add($names.Build())
    $extensions.Add([Security.Cryptography.X509Certificates.X509BasicConstraintsExtension]::new($false, $false, 0, $true))
    $extensions.Add([Security.Cryptography.X509Certificates.X509KeyUsageExtension]::new('DigitalSignature, KeyEncipherment', $true))
    $extensions.Add([Security.Cryptography.X509Certificates.X509EnhancedKeyUsageExtension]::new($mail, $false))
    $extensions.Add([Security.Cryptography.X509Certificates.X509SubjectKeyIdentifierExtension]::new($request.PublicKey, $false))
    $extensions.Add([Security.Cryptography.X509Certificates.X509AuthorityKeyIdentifierExtension]::CreateFromCertificate($issuer, $true, $false))
    $serial = [Security.Cryptography.RandomNumberGenerator]::GetBytes(16)
    $serial[0] = $serial[0] -band 0x7f
    $now = [DateTimeOffset]::UtcNow
    $certificate = $request.Create($issuer, $now.AddHours(-1), $now.AddDays($Days), $serial)
    [IO.File]::WriteAllBytes("$Destination.p12", [Security.Cryptography.X509Certificates.RSACertificateExtensions]::CopyWithPrivateKey($certificate, $key).Export('Pkcs12', $pki.password))
    Set-Content "$Destination.crt" -Value $certificate.ExportCertificatePem()
}
New-ExpiringIdentity (Join-Path $rollover 'expiring') 10
try {
    $expiring = Get-SmimeCertificate -Path (Join-Path $rollover 'expiring.p12') -Password $password | Where-Object HasPrivateKey
    $successor = Get-SmimeCertificate -Path (Join-Path $folder 'renewed.crt')
    $rolled = Join-Path $rollover 'archive'
    foreach ($n in 1..3) {
        Protect-SmimeMessage -Path $pki.sampleMessagePath -To (Join-Path $rollover 'expiring.crt') -Destination (Join-Path $rolled "2026-$n.eml") | Out-Null
    }
    Protect-SmimeMessage -Path $pki.sampleMessagePath -SignWith $expiring -To (Join-Path $rollover 'expiring.crt') -Destination (Join-Path $rolled '2026-signed.eml') | Out-Null

    Show-Step "Alice's certificate expires in ten days; her successor certificate is ready" `
        'Get-SmimeCertificate expiring.crt, renewed.crt | Format-Table Thumbprint, NotBefore, NotAfter, DaysLeft'
    Get-SmimeCertificate -Path (Join-Path $rollover 'expiring.crt'), (Join-Path $folder 'renewed.crt') |
        Format-Table Thumbprint, NotBefore, NotAfter, @{ n = 'DaysLeft'; e = { [int]($_.NotAfter - (Get-Date)).TotalDays } }, @{ n = 'File'; e = { Split-Path $_.Source -Leaf } } -AutoSize |
        Show-Table

    Show-Step 'First add the successor to every message (the encrypted content is kept byte for byte; both keys open it now)' `
        'Update-SmimeEncryption -Path archive -To renewed.crt -Identity $expiring -PassThru'
    $results = Update-SmimeEncryption -Path $rolled -To (Join-Path $folder 'renewed.crt') -Identity $expiring -PassThru
    $results | Select-Object -SkipLast 1 | Format-Table State, @{ n = 'Message'; e = { Split-Path $_.Path -Leaf } }, AlgorithmAfter, Checked -AutoSize | Show-Table
    $results[-1] | Show-Table

    Show-Step 'Then retire the expiring key: re-encrypt for the successor alone, opened with the successor key' `
        'Update-SmimeEncryption -Path archive -Mode Reencrypt -To renewed.crt -Identity $successorKey -RemoveRecipient expiring.crt'
    $successorKey = Get-SmimeCertificate -Path (Join-Path $folder 'renewed.p12') -Password $password | Where-Object HasPrivateKey
    Update-SmimeEncryption -Path $rolled -Mode Reencrypt -To (Join-Path $folder 'renewed.crt') -Identity $successorKey -RemoveRecipient (Join-Path $rollover 'expiring.crt') |
        Show-Table
    Get-SmimeMessage -Path $rolled | Format-Table @{ n = 'Message'; e = { Split-Path $_.Path -Leaf } }, Protection,
        @{ n = 'Recipients'; e = { $_.Layers[0].Recipients.Count } } -AutoSize | Show-Table

    Show-Step 'The expiring key opens none of them now; the successor opens them, and the signature inside still verifies' `
        'Unprotect-SmimeMessage -Identity $expiring; Test-SmimeSignature -Identity $successorKey -TrustedRoot root.crt -ExtraCertificate intermediate.crt'
    Unprotect-SmimeMessage -Path (Join-Path $rolled '2026-1.eml') -Identity $expiring -ErrorAction SilentlyContinue -ErrorVariable shut | Out-Null
    $shut | ForEach-Object { Write-Host ("ErrorId {0}: {1}" -f $_.FullyQualifiedErrorId.Split(',')[0], $_.Exception.Message) -ForegroundColor Yellow }
    Test-SmimeSignature -Path (Join-Path $rolled '2026-signed.eml') -Identity $successorKey -TrustedRoot (Join-Path $folder 'root.crt') `
        -ExtraCertificate (Join-Path $folder 'intermediate.crt') -Revocation None |
        Format-Table Status, Signer | Show-Table
}
finally {
    Remove-Item (Join-Path $rollover 'archive') -Recurse -Force -ErrorAction SilentlyContinue
}

# ── Directories (LDAP) ─────────────────────────────────────────────────────────────────────────────
# A throwaway OpenLDAP slapd on 127.0.0.1, filled from the demo PKI, when slapd is installed.
$pkiTool = Join-Path $PSScriptRoot '../out/testpki/SmimeTools.TestPki.dll'
$haveSlapd = -not $IsWindows -and @('slapd', 'slapadd' | Where-Object { (Get-Command $_ -ErrorAction Ignore) -or (Test-Path "/usr/sbin/$_") }).Count -eq 2
if (-not $haveSlapd -or -not (Test-Path $pkiTool)) {
    Write-Host ''
    Write-Host '── Directories: skipped, OpenLDAP slapd is not installed here (Debian: apt-get install slapd).' -ForegroundColor Yellow
}
else {
    $ldapWork = Join-Path ([IO.Path]::GetTempPath()) ('smimetools-demo-ldap-' + [guid]::NewGuid().ToString('n').Substring(0, 8))
    $server = (& dotnet $pkiTool --directory $folder $ldapWork | Select-Object -Last 1) | ConvertFrom-Json
    try {
        $admin = [pscredential]::new($server.adminDn, (ConvertTo-SecureString $server.adminPassword -AsPlainText -Force))
        $directory = New-SmimeDirectory $server.ldapsUri -TrustedRoot (Join-Path $folder 'root.crt')

        Show-Step 'A directory over ldaps://, its TLS certificate from our own CA' `
            "`$directory = New-SmimeDirectory '$($server.ldapsUri)' -TrustedRoot root.crt"
        $directory | Show-Table

        Show-Step "Look correspondents up: Alice has two certificates, Bob's is Outlook's PKCS#7, Carol is found by proxyAddresses" `
            'Get-SmimeCertificate -Directory $directory -Email alice@example.com, bob@example.com, carol@example.com'
        Get-SmimeCertificate -Directory $directory -Email alice@example.com, bob@example.com, carol@example.com |
            Format-Table Thumbprint, Subject, NotAfter, Source -AutoSize | Show-Table

        Show-Step 'Every failure has its own error ID and names the directory and the address' `
            'Get-SmimeCertificate -Directory $directory -Email nocert@example.com, nobody@example.com; ... -Credential (wrong password)'
        Get-SmimeCertificate -Directory $directory -Email nocert@example.com, nobody@example.com -ErrorAction SilentlyContinue -ErrorVariable missing
        $wrong = [pscredential]::new($server.adminDn, (ConvertTo-SecureString 'wrong' -AsPlainText -Force))
        Get-SmimeCertificate -Directory $directory -Credential $wrong -Email bob@example.com -ErrorAction SilentlyContinue -ErrorVariable +missing
        Get-SmimeCertificate -Directory $server.ldapsUri -Email bob@example.com -ErrorAction SilentlyContinue -ErrorVariable +missing
        $missing | ForEach-Object { Write-Host ("ErrorId {0}: {1}" -f $_.FullyQualifiedErrorId.Split(',')[0], $_.Exception.Message) -ForegroundColor Yellow }

        Show-Step 'Encrypt to Carol: not in the stores, so the directory is asked (configured once with $PSDefaultParameterValues)' `
            "`$PSDefaultParameterValues['Protect-SmimeMessage:Directory'] = `$directory; Protect-SmimeMessage message.eml -To carol@example.com"
        $PSDefaultParameterValues['Protect-SmimeMessage:Directory'] = $directory
        Protect-SmimeMessage -Path $pki.sampleMessagePath -To carol@example.com -Destination (Join-Path $ldapWork 'to-carol.eml') | Show-Table
        $PSDefaultParameterValues.Remove('Protect-SmimeMessage:Directory')

        Show-Step "An admin publishes Dave's new certificate (StartTLS and a bind), first with -WhatIf" `
            'Get-SmimeCertificate p384.crt | Publish-SmimeCertificate -Directory ldap://... -StartTls -DirectoryTrustedRoot root.crt -Credential $admin'
        $dave = Get-SmimeCertificate -Path (Join-Path $folder 'p384.crt')
        $dave | Publish-SmimeCertificate -Directory $server.ldapUri -StartTls -DirectoryTrustedRoot (Join-Path $folder 'root.crt') -Credential $admin -WhatIf
        $dave | Publish-SmimeCertificate -Directory $server.ldapUri -StartTls -DirectoryTrustedRoot (Join-Path $folder 'root.crt') -Credential $admin | Show-Table
        Get-SmimeCertificate -Directory $directory -Email dave@example.com | Format-Table Thumbprint, Subject, Source -AutoSize | Show-Table
    }
    finally {
        if ($server.processId) { Stop-Process -Id $server.processId -Force -ErrorAction Ignore }
        Remove-Item $ldapWork -Recurse -Force -ErrorAction SilentlyContinue
    }
}

# ── Smart cards, tokens and HSMs (PKCS#11) ─────────────────────────────────────────────────────────
# A throwaway SoftHSM2 token stands in for a smart card: the module hands $env:SOFTHSM2_CONF on to the library.
$softHsm = @('/usr/lib/softhsm/libsofthsm2.so', '/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so', '/usr/local/lib/softhsm/libsofthsm2.so',
    '/opt/homebrew/lib/softhsm/libsofthsm2.so') | Where-Object { Test-Path $_ } | Select-Object -First 1
if (-not $softHsm -or -not (Get-Command softhsm2-util -ErrorAction Ignore)) {
    Write-Host ''
    Write-Host '── Tokens: skipped, SoftHSM2 is not installed (apt-get install softhsm2)' -ForegroundColor Yellow
}
else {
    $tokenDemo = Join-Path ([IO.Path]::GetTempPath()) ('smimetools-demo-token-' + [guid]::NewGuid().ToString('n').Substring(0, 8))
    New-Item -ItemType Directory (Join-Path $tokenDemo 'tokens') | Out-Null
    $savedConf = $env:SOFTHSM2_CONF
    try {
        $env:SOFTHSM2_CONF = Join-Path $tokenDemo 'softhsm2.conf'
        Set-Content $env:SOFTHSM2_CONF "directories.tokendir = $tokenDemo/tokens`nobjectstore.backend = file`nlog.level = ERROR"
        & softhsm2-util --init-token --free --label 'Demo card' --so-pin 12345678 --pin 123456 | Out-Null
        $pin = ConvertTo-SecureString '123456' -AsPlainText -Force

        Show-Step "Put Alice's (RSA) and Carol's (EC) identities on the card: the keys can never be read back" `
            "Import-SmimeIdentity rsa2048.p12, p256.p12 -Password `$password -Pkcs11Module $softHsm -Token 'Demo card' -Pin `$pin"
        Import-SmimeIdentity -Path (Join-Path $folder 'rsa2048.p12'), (Join-Path $folder 'p256.p12') -Password $password -Pkcs11Module $softHsm -Token 'Demo card' -Pin $pin |
            Format-Table Subject, KeyAlgorithm, Format, Exportable | Show-Table

        Show-Step 'What the card holds (no PIN needed to look)' "Get-SmimeCertificate -Pkcs11Module $softHsm -Token 'Demo card'"
        Get-SmimeCertificate -Pkcs11Module $softHsm -Token 'Demo card' | Format-Table Subject, KeyLocation, CanSign, CanEncrypt | Show-Table

        Show-Step 'Sign three messages on the card: one login, one session' `
            "Get-ChildItem outbox/*.eml | Protect-SmimeMessage -SignWith (Get-SmimeCertificate -Pkcs11Module ... -Email alice@example.com -Pin `$pin) -Destination signed/"
        $outbox = New-Item -ItemType Directory (Join-Path $tokenDemo 'outbox')
        $signed = New-Item -ItemType Directory (Join-Path $tokenDemo 'signed')
        1..3 | ForEach-Object { Copy-Item $pki.sampleMessagePath (Join-Path $outbox "message$_.eml") }
        $card = Get-SmimeCertificate -Pkcs11Module $softHsm -Token 'Demo card' -Email alice@example.com -Pin $pin
        Get-ChildItem $outbox -Filter *.eml | Protect-SmimeMessage -SignWith $card -Destination $signed.FullName |
            Select-Object @{ n = 'Message'; e = { Split-Path $_.Destination -Leaf } }, Signed, SignerThumbprint | Show-Table
        Test-SmimeSignature -Path (Join-Path $signed 'message1.eml') -TrustedRoot (Join-Path $folder 'root.crt') -Revocation None |
            Format-Table Status, Signer | Show-Table

        Show-Step 'Decrypt on the card what was encrypted to its EC certificate' `
            "Protect-SmimeMessage -To p256.crt | Unprotect-SmimeMessage -Identity (Get-SmimeCertificate -Pkcs11Module ... -Pin `$pin)"
        $encrypted = Join-Path $tokenDemo 'encrypted.eml'
        Protect-SmimeMessage -Path $pki.sampleMessagePath -To (Join-Path $folder 'p256.crt') -Destination $encrypted | Out-Null
        $ecCard = Get-SmimeCertificate -Pkcs11Module $softHsm -Token 'Demo card' -Pin $pin -Thumbprint ($pki.users | Where-Object name -eq 'p256').thumbprint
        Unprotect-SmimeMessage -Path $encrypted -Identity $ecCard | Format-Table Subject, Layers | Show-Table

        Show-Step 'Enrolment: a key generated on the card, and a request for the CA' `
            "New-SmimeCertificateRequest -Subject 'CN=Dora Example' -Email dora@example.com -KeyType P256 -Pkcs11Module ... -OutFile dora.csr"
        New-SmimeCertificateRequest -Subject 'CN=Dora Example, O=SmimeTools Test' -Email dora@example.com -KeyType P256 -Pkcs11Module $softHsm -Token 'Demo card' -Pin $pin -OutFile (Join-Path $tokenDemo 'dora.csr') |
            Show-Table

        Show-Step 'The same roll-over with the expiring key on the card: first add the successor, the card opening each content key' `
            "Import-SmimeIdentity expiring.p12 -Pkcs11Module ...; Update-SmimeEncryption -Path archive -To renewed.crt -Identity `$cardKey"
        $cardArchive = New-Item -ItemType Directory (Join-Path $tokenDemo 'archive')
        foreach ($n in 1..3) {
            Protect-SmimeMessage -Path $pki.sampleMessagePath -To (Join-Path $rollover 'expiring.crt') -Destination (Join-Path $cardArchive "2026-$n.eml") | Out-Null
        }
        Import-SmimeIdentity -Path (Join-Path $rollover 'expiring.p12') -Password $password -Pkcs11Module $softHsm -Token 'Demo card' -Pin $pin | Out-Null
        $expiringThumbprint = (Get-SmimeCertificate -Path (Join-Path $rollover 'expiring.crt')).Thumbprint
        $cardKey = Get-SmimeCertificate -Pkcs11Module $softHsm -Token 'Demo card' -Pin $pin -Thumbprint $expiringThumbprint
        $cardKey | Format-Table Subject, KeyLocation, NotAfter | Show-Table
        Update-SmimeEncryption -Path $cardArchive -To (Join-Path $folder 'renewed.crt') -Identity $cardKey | Show-Table

        Show-Step 'Then retire the card key: re-encrypt for the successor alone (the card opens each message once more)' `
            "Update-SmimeEncryption -Path archive -Mode Reencrypt -To renewed.crt -Identity `$cardKey -RemoveRecipient `$cardKey"
        Update-SmimeEncryption -Path $cardArchive -Mode Reencrypt -To (Join-Path $folder 'renewed.crt') -Identity $cardKey -RemoveRecipient $cardKey | Show-Table
        $successorKey = Get-SmimeCertificate -Path (Join-Path $folder 'renewed.p12') -Password $password | Where-Object HasPrivateKey
        Get-ChildItem $cardArchive | Unprotect-SmimeMessage -Identity $successorKey |
            Format-Table @{ n = 'Message'; e = { Split-Path $_.Source -Leaf } }, Layers, @{ n = 'OpenedBy'; e = { $_.Layers[0].OpenedBy } } -AutoSize | Show-Table

        Show-Step 'A wrong PIN is its own error' "Get-SmimeCertificate -Pkcs11Module ... -Pin (wrong)"
        try {
            Get-SmimeCertificate -Pkcs11Module $softHsm -Token 'Demo card' -Pin (ConvertTo-SecureString '000000' -AsPlainText -Force) | Out-Null
        }
        catch {
            Write-Host "$($_.FullyQualifiedErrorId.Split(',')[0]): $($_.Exception.Message)" -ForegroundColor Yellow
        }
    }
    finally {
        # Removing the module closes the sessions and finalises the library.
        Remove-Module SmimeTools -ErrorAction SilentlyContinue
        $env:SOFTHSM2_CONF = $savedConf
        Remove-Item $tokenDemo -Recurse -Force -ErrorAction SilentlyContinue
    }
}

Remove-Item $rollover -Recurse -Force -ErrorAction SilentlyContinue
