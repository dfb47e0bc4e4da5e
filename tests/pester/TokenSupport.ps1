# Test tokens for the Pester files and the help examples: a SoftHSM2 token in a temp folder (SOFTHSM2_CONF points at
# it; the module hands $env: on to the library) and an NSS profile made with certutil. Dot-source it.

function Find-SoftHsmLibrary {
    @('/usr/lib/softhsm/libsofthsm2.so', '/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so', '/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so',
        '/usr/local/lib/softhsm/libsofthsm2.so', '/opt/homebrew/lib/softhsm/libsofthsm2.so') | Where-Object { Test-Path $_ } | Select-Object -First 1
}

function New-SoftHsmTestToken {
    # Initialises a token labelled $Label (user PIN 123456) with the rsa2048 and p256 identities of the test PKI.
    # Returns the library, PIN, label and folder, or a Missing reason when SoftHSM2 is not installed.
    param([Parameter(Mandatory)] [string] $Label, [Parameter(Mandatory)] $Pki, [string[]] $Identities = @('rsa2048', 'p256'))
    $library = Find-SoftHsmLibrary
    if (-not $library -or -not (Get-Command softhsm2-util -ErrorAction Ignore)) {
        return [pscustomobject]@{ Missing = 'SoftHSM2 is not installed (on Debian: apt-get install softhsm2)' }
    }
    $folder = Join-Path ([IO.Path]::GetTempPath()) ('smimetools-token-' + [guid]::NewGuid().ToString('n').Substring(0, 8))
    $tokens = New-Item -ItemType Directory (Join-Path $folder 'tokens')
    $env:SOFTHSM2_CONF = Join-Path $folder 'softhsm2.conf'
    Set-Content -Path $env:SOFTHSM2_CONF -Value "directories.tokendir = $($tokens.FullName)`nobjectstore.backend = file`nlog.level = ERROR`n"
    & softhsm2-util --init-token --free --label $Label --so-pin 12345678 --pin 123456 | Out-Null
    $pin = ConvertTo-SecureString '123456' -AsPlainText -Force
    # A library started before this token existed does not see it until the module is removed.
    Remove-Module SmimeTools -ErrorAction Ignore
    Import-Module $ModulePath
    foreach ($name in $Identities) {
        Import-SmimeIdentity -Path $Pki.users.$name.pkcs12Path -Password $Pki.SecurePassword -Pkcs11Module $library -Token $Label -Pin $pin | Out-Null
    }
    [pscustomobject]@{ Missing = $null; Library = $library; Pin = $pin; Label = $Label; Folder = $folder }
}

function New-NssTestProfile {
    # An NSS database folder, as in a Thunderbird profile, with the rsa2048 identity; its password is 'profile-pw'.
    param([Parameter(Mandatory)] $Pki)
    if (-not (Get-Command certutil -ErrorAction Ignore) -or -not (Get-Command pk12util -ErrorAction Ignore)) {
        return [pscustomobject]@{ Missing = 'the NSS tools are not installed (on Debian: apt-get install libnss3-tools)' }
    }
    $folder = New-Item -ItemType Directory (Join-Path ([IO.Path]::GetTempPath()) ('smimetools-nss-' + [guid]::NewGuid().ToString('n').Substring(0, 8)))
    $passwordFile = Join-Path $folder 'password.txt'
    Set-Content $passwordFile 'profile-pw'
    & certutil -N -d "sql:$folder" -f $passwordFile | Out-Null
    & pk12util -i $Pki.users.rsa2048.pkcs12Path -d "sql:$folder" -k $passwordFile -W $Pki.password 2>&1 | Out-Null
    Remove-Item $passwordFile
    [pscustomobject]@{ Missing = $null; Folder = $folder.FullName; Pin = (ConvertTo-SecureString 'profile-pw' -AsPlainText -Force) }
}
