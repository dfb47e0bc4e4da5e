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
    Select-Object @{ n = 'File'; e = { Split-Path $_.Source -Leaf } }, Emails, CanSign, CanEncrypt, HasPrivateKey,
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
