# The built module's help: complete for every cmdlet, true to the cmdlets' real parameters, an about topic that
# lists every error ID, and examples that run. Help that drifts from the code fails here.

BeforeDiscovery {
    $repoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
    $modulePath = if ($env:SMIMETOOLS_MODULE) { $env:SMIMETOOLS_MODULE } else { Join-Path $repoRoot 'out/SmimeTools' }
    $moduleBuilt = Test-Path (Join-Path $modulePath 'SmimeTools.psd1')

    $common = [System.Management.Automation.Cmdlet]::CommonParameters + [System.Management.Automation.Cmdlet]::OptionalCommonParameters
    $cmdlets = @()
    $examples = @()
    if ($moduleBuilt) {
        $module = Import-Module $modulePath -Force -PassThru
        foreach ($command in $module.ExportedCmdlets.Values | Sort-Object Name) {
            $parameters = @($command.Parameters.Keys | Where-Object { $_ -notin $common } | Sort-Object |
                    ForEach-Object { @{ Command = $command.Name; Parameter = $_ } })
            $cmdlets += @{ Name = $command.Name; Parameters = $parameters }
            $number = 0
            foreach ($example in (Get-Help $command.Name -Full).examples.example) {
                $number++
                $examples += @{ Command = $command.Name; Number = $number; Title = $example.title.Trim(' -'); Code = $example.code }
            }
        }
    }

    $errorIdsFile = Join-Path $repoRoot 'src/SmimeTools.Engine/ErrorIds.cs'
    $errorIds = @([regex]::Matches((Get-Content $errorIdsFile -Raw), 'public\s+const\s+string\s+(\w+)\s*=\s*"([^"]+)"\s*;') |
            ForEach-Object { @{ Name = $_.Groups[1].Value; Value = $_.Groups[2].Value } })
}

BeforeAll {
    $repoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
    $modulePath = if ($env:SMIMETOOLS_MODULE) { $env:SMIMETOOLS_MODULE } else { Join-Path $repoRoot 'out/SmimeTools' }
    if (Test-Path (Join-Path $modulePath 'SmimeTools.psd1')) {
        Import-Module $modulePath -Force
    }

    function Get-ParameterHelp([string] $Command, [string] $Parameter) {
        (Get-Help $Command -Full).parameters.parameter | Where-Object name -eq $Parameter
    }

    function Get-Text([object] $Description) {
        # A MAML description is a list of paragraphs, each with a Text property.
        (@($Description | ForEach-Object { $_.Text }) -join "`n").Trim()
    }

    function Invoke-HelpExample {
        # Runs an example's code in a fresh runspace, as a user would type it, with errors stopping it.
        param([string] $Code, [hashtable] $Variables, [string] $Location)
        $shell = [powershell]::Create([initialsessionstate]::CreateDefault2())
        try {
            foreach ($variable in $Variables.GetEnumerator()) {
                $shell.Runspace.SessionStateProxy.SetVariable($variable.Key, $variable.Value)
            }
            $shell.Runspace.SessionStateProxy.SetVariable('ErrorActionPreference', [System.Management.Automation.ActionPreference]::Stop)
            [void] $shell.AddCommand('Import-Module').AddParameter('Name', $modulePath).AddStatement()
            [void] $shell.AddCommand('Set-Location').AddParameter('LiteralPath', $Location).AddStatement()
            [void] $shell.AddScript($Code).AddCommand('Out-String').AddParameter('Width', 200)
            $errors = @()
            try {
                $output = ($shell.Invoke() | ForEach-Object { "$_" }) -join ''
            }
            catch {
                # With ErrorActionPreference Stop the first error ends the example; keep it as a record.
                $output = ''
                $inner = $_.Exception.InnerException
                $errors += if ($inner -is [System.Management.Automation.IContainsErrorRecord]) { $inner.ErrorRecord } else { $_ }
            }
            # Errors an example handles itself (-ErrorAction SilentlyContinue, try/catch) never reach this stream.
            $errors += @($shell.Streams.Error)
            [pscustomobject]@{ Output = $output; Errors = $errors }
        }
        finally {
            $shell.Dispose()
        }
    }
}

Describe 'The built module' {
    It 'is in <modulePath> (run ./build.ps1 Build)' -TestCases @(@{ modulePath = $modulePath }) {
        Join-Path $modulePath 'SmimeTools.psd1' | Should -Exist
    }

    It 'finds the error IDs in src/SmimeTools.Engine/ErrorIds.cs' -TestCases @(@{ Count = $errorIds.Count }) {
        $Count | Should -BeGreaterThan 0 -Because 'the test reads the error IDs with a regex, which must still match the file'
    }
}

Describe 'Help of <Name>' -ForEach $cmdlets {
    BeforeAll {
        $help = Get-Help $Name -Full
        $cmdletInfo = Get-Command $Name
        $common = [System.Management.Automation.Cmdlet]::CommonParameters + [System.Management.Automation.Cmdlet]::OptionalCommonParameters
    }

    It 'has a synopsis' {
        $help.Synopsis | Should -Not -BeNullOrEmpty
        # Without help, PowerShell puts the syntax where the synopsis belongs.
        $help.Synopsis.Trim() | Should -Not -BeLike "$Name *" -Because "docs/en-US/$Name.md needs a ## SYNOPSIS"
    }

    It 'has a description' {
        Get-Text $help.description | Should -Not -BeNullOrEmpty
    }

    It 'has at least two examples' {
        @($help.examples.example).Count | Should -BeGreaterOrEqual 2
    }

    It 'documents no parameter the cmdlet does not have' {
        $real = @($cmdletInfo.Parameters.Keys)
        @($help.parameters.parameter | Where-Object { $_.name -notin $real } | ForEach-Object name) | Should -BeNullOrEmpty
    }

    It 'documents -<Parameter> with a description' -ForEach $Parameters {
        $documented = Get-ParameterHelp $Command $Parameter
        $documented | Should -Not -BeNullOrEmpty -Because "docs/en-US/$Command.md needs a '### -$Parameter' section"
        Get-Text $documented.description | Should -Not -BeNullOrEmpty
    }

    It 'documents -<Parameter> as the cmdlet declares it' -ForEach $Parameters {
        $documented = Get-ParameterHelp $Command $Parameter
        $real = (Get-Command $Command).Parameters[$Parameter]
        $sets = @($real.ParameterSets.Values)

        $documented.type.name | Should -Be $real.ParameterType.Name
        $documented.globbing | Should -Be ([bool]($real.Attributes | Where-Object { $_ -is [System.Management.Automation.SupportsWildcardsAttribute] })).ToString().ToLowerInvariant()
        $aliases = @($documented.aliases -split ',\s*' | Where-Object { $_ -and $_ -ne 'none' } | Sort-Object)
        $aliases | Should -Be @($real.Aliases | Sort-Object)
        ($documented.pipelineInput -match 'ByValue') | Should -Be (@($sets | Where-Object ValueFromPipeline).Count -gt 0)
        ($documented.pipelineInput -match 'ByPropertyName') | Should -Be (@($sets | Where-Object ValueFromPipelineByPropertyName).Count -gt 0)
        # Required and position can differ between sets; compare them where every set agrees.
        $mandatory = @($sets | ForEach-Object IsMandatory | Select-Object -Unique)
        if ($mandatory.Count -eq 1) { $documented.required | Should -Be $mandatory[0].ToString().ToLowerInvariant() }
        $positions = @($sets | ForEach-Object { if ($_.Position -lt 0) { 'named' } else { "$($_.Position)" } } | Select-Object -Unique)
        if ($positions.Count -eq 1) { $documented.position | Should -Be $positions[0] }
    }
}

Describe 'about_SmimeTools' {
    BeforeAll {
        $about = Get-Help about_SmimeTools -ErrorAction Stop | Out-String
        $aboutFile = Join-Path $modulePath 'en-US/about_SmimeTools.help.txt'
    }

    It 'is found by Get-Help' {
        $about | Should -Match 'TOPIC\s+about_SmimeTools'
        $about | Should -Match 'SHORT DESCRIPTION'
        $about | Should -Match 'LONG DESCRIPTION'
    }

    It 'keeps its lines within 80 columns' {
        $long = @(Get-Content -LiteralPath $aboutFile | ForEach-Object -Begin { $line = 0 } -Process {
                $line++
                if ($_.Length -gt 80) { "line ${line}: $($_.Length) columns" }
            })
        $long | Should -BeNullOrEmpty
    }

    It 'catalogues the error ID <Value>' -ForEach $errorIds {
        # Each ID is an entry of the ERROR IDS section: the ID alone on its line, its explanation below.
        $catalogue = ($about -split '(?m)^ERROR IDS\s*$', 2)[1]
        $catalogue | Should -Match "(?m)^\s+$([regex]::Escape($Value))\s*$"
    }

    It 'names the cmdlet <Name>' -ForEach $cmdlets {
        $about | Should -Match "(?m)^\s+$([regex]::Escape($Name))\s*$"
    }
}

Describe 'Examples of <Command>' -ForEach @($examples | Group-Object { $_.Command } | ForEach-Object { @{ Command = $_.Name; Examples = @($_.Group) } }) {
    BeforeAll {
        # The test PKI of this run (build.ps1 Test sets SMIMETOOLS_TEST_PKI), or a new one in TestDrive.
        $pkiProblem = $null
        $manifestPath = $env:SMIMETOOLS_TEST_PKI
        if (-not $manifestPath -or -not (Test-Path $manifestPath)) {
            $tool = Join-Path $repoRoot 'out/testpki/SmimeTools.TestPki.dll'
            if (Test-Path $tool) {
                $lines = @(& dotnet $tool (Join-Path $TestDrive 'pki') 2>&1 | ForEach-Object { "$_" })
                $manifestPath = $lines | Where-Object { $_ -like '*manifest.json' } | Select-Object -Last 1
                if ($LASTEXITCODE -ne 0 -or -not $manifestPath) {
                    $pkiProblem = "the test PKI tool failed (exit code $LASTEXITCODE): $($lines -join ' ')"
                }
            }
            else {
                $pkiProblem = "no test PKI: SMIMETOOLS_TEST_PKI is not set and $tool is not built (run ./build.ps1 Test)"
            }
        }
        if (-not $pkiProblem) {
            $manifest = Get-Content -LiteralPath $manifestPath -Raw | ConvertFrom-Json
            $variables = @{
                PkiFolder = Split-Path $manifestPath -Parent
                Password  = ConvertTo-SecureString $manifest.password -AsPlainText -Force
            }
            # Token examples use $Pkcs11Module and $TokenPin (a SoftHSM2 token labelled 'SmimeTools Test'), and $NssProfile and $ProfilePin.
            $tokenProblem = $null
            if ($Examples.Code -match '\$Pkcs11Module|\$NssProfile') {
                . (Join-Path $PSScriptRoot 'TokenSupport.ps1')
                . (Join-Path $PSScriptRoot 'Common.ps1')
                $pki = Get-TestPki
                $token = New-SoftHsmTestToken -Label 'SmimeTools Test' -Pki $pki
                $nss = New-NssTestProfile -Pki $pki
                $tokenProblem = $token.Missing ?? $nss.Missing
                if (-not $tokenProblem) {
                    $variables.Pkcs11Module = $token.Library
                    $variables.TokenPin = $token.Pin
                    $variables.NssProfile = $nss.Folder
                    $variables.ProfilePin = $nss.Pin
                }
            }
        }

        # Examples that use $Directory, $DirectoryUri or $DirectoryAdmin get a test slapd of their own, filled from the test PKI.
        $directoryProblem = $null
        $testDirectory = $null
        if (-not $pkiProblem -and @($Examples | Where-Object { $_.Code -match '\$Directory' }).Count -gt 0) {
            . (Join-Path $PSScriptRoot 'Common.ps1')
            . (Join-Path $PSScriptRoot 'TestDirectory.ps1')
            $directoryProblem = Get-TestDirectorySkipReason
            if (-not $directoryProblem) {
                $testDirectory = Start-TestDirectory -PkiFolder $variables.PkiFolder -WorkFolder (Join-Path $TestDrive 'slapd')
                Import-Module $modulePath -Force
                $variables.Directory = New-SmimeDirectory $testDirectory.ldapsUri -TrustedRoot (Join-Path $variables.PkiFolder 'root.crt')
                $variables.DirectoryUri = $testDirectory.ldapUri
                $variables.DirectoryAdmin = $testDirectory.AdminCredential
            }
        }
        # Examples that use $ScepUrl get a scepserver of their own, with the challenge password in $ScepChallenge.
        $scepProblem = $null
        $testScep = $null
        if (-not $pkiProblem -and @($Examples | Where-Object { $_.Code -match '\$Scep' }).Count -gt 0) {
            . (Join-Path $PSScriptRoot 'TestScep.ps1')
            $scepProblem = Get-TestScepSkipReason
            if (-not $scepProblem) {
                $testScep = Start-TestScepServer -WorkFolder (Join-Path $TestDrive 'scep')
                $variables.ScepUrl = $testScep.Url
                $variables.ScepChallenge = $testScep.Challenge
            }
        }
    }

    AfterAll {
        # One AfterAll per block: Pester 5 keeps only the last one, so a second one left slapd running.
        if ($testDirectory) { Stop-TestDirectory $testDirectory }
        if ($testScep) { Stop-TestScepServer $testScep }
        if ($token.Folder) { Remove-Item $token.Folder -Recurse -Force -ErrorAction Ignore }
        if ($nss.Folder) { Remove-Item $nss.Folder -Recurse -Force -ErrorAction Ignore }
    }

    It 'runs <Title>' -ForEach $Examples {
        if ($pkiProblem) {
            Set-ItResult -Skipped -Because $pkiProblem
            return
        }
        if ($tokenProblem -and $Code -match '\$Pkcs11Module|\$NssProfile') {
            Set-ItResult -Skipped -Because $tokenProblem
            return
        }
        if ($directoryProblem -and $Code -match '\$Directory') {
            Set-ItResult -Skipped -Because "the example needs a directory: $directoryProblem"
            return
        }
        if ($scepProblem -and $Code -match '\$Scep') {
            Set-ItResult -Skipped -Because "the example needs a SCEP server: $scepProblem"
            return
        }
        $workFolder = New-Item -ItemType Directory -Force (Join-Path $TestDrive "example-$Number")
        $result = Invoke-HelpExample -Code $Code -Variables $variables -Location $workFolder.FullName
        $report = ($result.Errors | ForEach-Object { "[$($_.FullyQualifiedErrorId)] $($_.Exception.Message)" }) -join '; '
        $report | Should -BeNullOrEmpty -Because 'the example must run as written'
        $result.Output.Trim() | Should -Not -BeNullOrEmpty -Because 'an example that shows nothing probably read nothing'
    }
}
