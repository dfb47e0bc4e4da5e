# Conformance suites through Test-SmimeSignature itself (the engine's own tests check the path validator alone):
# NIST PKITS's 247 S/MIME cases and the RFC 4134 signed samples. Skipped, with the reason, without the corpus.
BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $corpus = if ($env:SMIMETOOLS_CORPORA) { $env:SMIMETOOLS_CORPORA } else { Join-Path (Split-Path $RepoRoot -Parent) 'shared/corpora' }
    $pkitsTable = Join-Path $corpus 'pkits/expected/pkits-smime-expected.tsv'
    $rfc4134Table = Join-Path $corpus 'rfc4134/baseline-openssl-3.0.19.tsv'
    $script:noPkits = -not (Test-Path $pkitsTable)
    $script:noRfc4134 = -not (Test-Path $rfc4134Table)
    $script:pkitsCases = if ($noPkits) { @(@{ id = 'none' }) } else {
        Import-Csv $pkitsTable -Delimiter "`t" | ForEach-Object {
            $arguments = $_.openssl_args -split ' ' | Where-Object { $_ }
            $policies = for ($i = 0; $i -lt $arguments.Count; $i++) {
                if ($arguments[$i] -eq '-policy') { $i++; if ($arguments[$i] -eq 'anyPolicy') { '2.5.29.32.0' } else { $arguments[$i] } }
            }
            @{
                id = $_.id; title = $_.title; file = $_.file; valid = $_.pkits_doc_expected -eq 'valid'; policies = @($policies)
                explicit = $arguments -contains '-explicit_policy'; inhibitMap = $arguments -contains '-inhibit_map'
                inhibitAny = $arguments -contains '-inhibit_any'; authoritySet = $_.expected_authority_policy_set; userSet = $_.expected_user_policy_set
            }
        }
    }
    $script:rfc4134Cases = if ($noRfc4134) { @(@{ sample = 'none' }) } else {
        # 4.3 is a detached signature over ExContent.bin, not a message: the engine's tests check it.
        Import-Csv $rfc4134Table -Delimiter "`t" | Where-Object { $_.profile -in 'trust-only', 'crl-empty', 'crl-revoked-all' -and $_.case -ne '4.3' } |
            ForEach-Object { @{ sample = $_.case; profile = $_.profile; valid = $_.expected -eq 'valid' } }
    }
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    Import-Module $ModulePath -Force
    $corpus = if ($env:SMIMETOOLS_CORPORA) { $env:SMIMETOOLS_CORPORA } else { Join-Path (Split-Path $RepoRoot -Parent) 'shared/corpora' }
    # Errors other than the sender check: PKITS and RFC 4134 certificates carry no address of their From lines.
    function Get-ChainErrors($Results) {
        @($Results | ForEach-Object { $_.Problems } | Where-Object { $_.IsError -and $_.Code -ne 'EmailMismatch' })
    }
    function ConvertTo-PolicySet([string] $Cell) {
        if ($Cell -eq '<empty>') { return @() }
        @($Cell -split ':' | ForEach-Object { if ($_ -in 'anyPolicy', 'X509v3 Any Policy') { '2.5.29.32.0' } else { $_ } } | Sort-Object)
    }
}

Describe 'NIST PKITS through Test-SmimeSignature' -Skip:$noPkits {
    BeforeAll {
        $pkits = Join-Path $corpus 'pkits/pkits'
        $anchor = Join-Path $pkits 'certs/TrustAnchorRootCertificate.crt'
    }

    It '<id> <title>' -ForEach $pkitsCases {
        $arguments = @{
            LiteralPath = Join-Path $pkits "smime/$file"; TrustedRoot = $anchor; NoSystemTrust = $true
            At = [datetime]::new(2020, 6, 1, 0, 0, 0, [DateTimeKind]::Utc); Revocation = 'Offline'
            RequireExplicitPolicy = $explicit; InhibitPolicyMapping = $inhibitMap; InhibitAnyPolicy = $inhibitAny
        }
        if ($policies.Count -gt 0) { $arguments.Policy = $policies }
        $result = Test-SmimeSignature @arguments
        $result | Should -HaveCount 1
        $errors = Get-ChainErrors $result
        if ($valid) { $errors | Should -BeNullOrEmpty -Because ($errors.Message -join ' | ') }
        else { $errors | Should -Not -BeNullOrEmpty -Because 'PKITS says this path is invalid' }
        if ($authoritySet) { @($result.Validation.AuthorityConstrainedPolicies | Sort-Object) | Should -Be (ConvertTo-PolicySet $authoritySet) }
        if ($userSet) { @($result.Validation.UserConstrainedPolicies | Sort-Object) | Should -Be (ConvertTo-PolicySet $userSet) }
    }
}

Describe 'RFC 4134 signed samples through Test-SmimeSignature' -Skip:$noRfc4134 {
    BeforeAll {
        $folder = Join-Path $corpus 'rfc4134'
        $roots = (Join-Path $folder 'CarlRSASelf.cer'), (Join-Path $folder 'CarlDSSSelf.cer')
        # Some samples carry no certificates: the signers' come from the folder, as a recipient would have them.
        $extra = Get-ChildItem (Join-Path $folder '*.cer') | ForEach-Object FullName
    }

    It '<sample> (<profile>)' -ForEach $rfc4134Cases {
        $eml = Join-Path $folder "$sample.eml"
        $path = if (Test-Path $eml) { $eml } else { Join-Path $folder "$sample.bin" }
        $arguments = @{ LiteralPath = $path; TrustedRoot = $roots; ExtraCertificate = $extra; NoSystemTrust = $true }
        switch ($profile) {
            'trust-only' { $arguments.Revocation = 'None' }
            'crl-empty' { $arguments.Crl = (Join-Path $folder 'CarlRSACRLEmpty.crl'), (Join-Path $folder 'CarlDSSCRLEmpty.crl') }
            'crl-revoked-all' { $arguments.Crl = (Join-Path $folder 'CarlRSACRLForAll.crl'), (Join-Path $folder 'CarlDSSCRLForAll.crl') }
        }
        $results = Test-SmimeSignature @arguments
        $results | Should -Not -BeNullOrEmpty
        $errors = Get-ChainErrors $results
        if ($valid) { $errors | Should -BeNullOrEmpty -Because ($errors.Message -join ' | ') }
        else { $errors | Should -Not -BeNullOrEmpty }
        if ($profile -eq 'crl-revoked-all') { $results.Status | Sort-Object -Unique | Should -Be 'Revoked' }
    }
}
