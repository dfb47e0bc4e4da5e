# The CI recipe of docs/CI-Recipe.md, run as it is written: its PowerShell block is saved as a Pester test file and
# run by Pester in a child PowerShell, once with Pester imported before SmimeTools and once after, so the Should
# operators are shown to register in both orders. Only the module's location is pinned to the build under test.
BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $doc = Get-Content -Raw (Join-Path $RepoRoot 'docs/CI-Recipe.md')
    $recipe = [regex]::Match($doc, '(?s)```powershell\r?\n(.*?)```').Groups[1].Value
    $pesterModule = Join-Path $ToolsPath 'pester/5.7.1/tools/Pester.psd1'

    function Invoke-Recipe([switch] $SmimeToolsFirst) {
        $file = Join-Path $TestDrive ('MailFlow-' + [guid]::NewGuid().ToString('n').Substring(0, 6) + '.Tests.ps1')
        Set-Content -LiteralPath $file -Value ($recipe.Replace('Import-Module SmimeTools', "Import-Module '$ModulePath'"))
        Invoke-ChildPwsh -Arguments @{ Module = $ModulePath; Pester = $pesterModule; File = $file; First = [string] [bool] $SmimeToolsFirst } -Script {
            if ($First -eq 'True') { Import-Module $Module }
            Import-Module $Pester
            $run = Invoke-Pester -Path $File -PassThru -Output None
            [pscustomobject] @{
                Passed = $run.PassedCount
                Failed = $run.FailedCount
                Failures = @($run.Failed | ForEach-Object { "$($_.ExpandedPath): $($_.ErrorRecord -join ' ')" })
            } | ConvertTo-Json -Depth 4
        }.ToString()
    }
}

Describe 'The CI recipe (docs/CI-Recipe.md)' {
    It 'is found in the document' {
        $recipe | Should -Match 'New-SmimeCertificate -SelfSigned -CertificateAuthority'
        $recipe | Should -Match 'Should -BeValidSmimeSignature'
    }

    It 'passes every test with Pester imported first' {
        $result = Invoke-Recipe
        $result.Failures | Should -BeNullOrEmpty
        $result.Passed | Should -Be 3
    }

    It 'passes every test with SmimeTools imported before Pester' {
        $result = Invoke-Recipe -SmimeToolsFirst
        $result.Failures | Should -BeNullOrEmpty
        $result.Passed | Should -Be 3
    }
}
