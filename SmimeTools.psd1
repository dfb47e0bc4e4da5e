@{
    RootModule           = 'SmimeTools.dll'
    ModuleVersion        = '0.1.0'
    GUID                 = '6f2b7c1e-3d4a-4e8f-9b5c-2a7d1e0f4c93'
    Author               = 'SmimeTools contributors'
    CompanyName          = 'SmimeTools'
    Copyright            = '(c) SmimeTools contributors. MIT licence.'
    Description          = 'S/MIME for PowerShell on Linux, macOS and Windows: sign, encrypt, decrypt and verify mail, and find the certificates to do it with.'
    CompatiblePSEditions = @('Core')
    PowerShellVersion    = '7.4'
    # Loaded before the cmdlets: the Policy enums are parameter types, and have no dependencies of their own.
    RequiredAssemblies   = @('SmimeTools.Policy.dll')
    TypesToProcess       = @('SmimeTools.Types.ps1xml')
    FormatsToProcess     = @('SmimeTools.Format.ps1xml')
    # Pester 5 Should operators, added only when Pester is (or later gets) loaded; the module does not need Pester.
    NestedModules        = @('SmimeTools.Pester.psm1')
    CmdletsToExport      = @(
        'Export-SmimeIdentity'
        'Get-SmimeCertificate'
        'Get-SmimeMessage'
        'Import-SmimeCertificate'
        'Import-SmimeIdentity'
        'Protect-SmimeMessage'
        'Test-SmimeSignature'
        'Unprotect-SmimeMessage'
        'Update-SmimeEncryption'
        'New-SmimeCertificateRequest'
        'Complete-SmimeCertificateRequest'
        'New-SmimeDirectory'
        'Publish-SmimeCertificate'
        'New-SmimeCertificate'
        'New-SmimeCrl'
        'Submit-SmimeCertificateRequest'
    )
    FunctionsToExport    = @()
    VariablesToExport    = @()
    AliasesToExport      = @()
    PrivateData          = @{
        PSData = @{
            Tags         = @('SMIME', 'S/MIME', 'CMS', 'PKCS7', 'PKCS12', 'Email', 'Certificate', 'Linux', 'macOS', 'Windows')
            LicenseUri   = 'https://opensource.org/licenses/MIT'
            ProjectUri   = 'https://github.com/SmimeTools/SmimeTools'
            # The version's own notes are in CHANGELOG.md, shipped in the module folder; this points there.
            ReleaseNotes = 'What changed in each version: CHANGELOG.md in the module folder, or https://github.com/SmimeTools/SmimeTools/blob/main/CHANGELOG.md'
        }
    }
}
