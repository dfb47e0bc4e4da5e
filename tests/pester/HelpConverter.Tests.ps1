# Unit tests of build/ConvertTo-MamlHelp.ps1 on small markdown files written to TestDrive.

BeforeAll {
    $Converter = Join-Path $PSScriptRoot '../../build/ConvertTo-MamlHelp.ps1'
    $Namespaces = @{
        maml    = 'http://schemas.microsoft.com/maml/2004/10'
        command = 'http://schemas.microsoft.com/maml/dev/command/2004/10'
        dev     = 'http://schemas.microsoft.com/maml/dev/2004/10'
    }

    # A cmdlet with two parameter sets, a switch, a parameter whose attributes differ between sets, and text
    # that needs escaping.
    $ValidMarkdown = @'
---
external help file: Thing-Help.xml
Module Name: Thing
---

# Get-Thing

## SYNOPSIS
Gets things <fast> & "safely".

## SYNTAX

### Name (Default)
```
Get-Thing [-Name] <String[]> [-Scope <String>] [-Force] [<CommonParameters>]
```

### Id
```
Get-Thing -Id <Int32> -Scope <String> [-Force] [<CommonParameters>]
```

## DESCRIPTION
The first paragraph
goes on here.

- first item
- second item
  continues

## EXAMPLES

### Example 1: Get a thing
```powershell
# A comment in code is not a heading.
Get-Thing -Name 'a<b>&c'
```

Remarks for the first example.

```output
Name
----
a<b>&c
```

### Example 2: Get by id
```powershell
Get-Thing -Id 42
```

## PARAMETERS

### -Name
The names.

```yaml
Type: String[]
Parameter Sets: Name
Aliases: N

Required: True
Position: 0
Default value: None
Accept pipeline input: True (ByValue)
Accept wildcard characters: True
```

### -Id
The id.

```yaml
Type: Int32
Parameter Sets: Id
Aliases:

Required: True
Position: Named
Default value: None
Accept pipeline input: False
Accept wildcard characters: False
```

### -Scope
Where to look.

```yaml
Type: String
Parameter Sets: Name
Aliases:

Required: False
Position: Named
Default value: Local
Accept pipeline input: False
Accept wildcard characters: False
```

```yaml
Type: String
Parameter Sets: Id
Aliases:

Required: True
Position: Named
Default value: None
Accept pipeline input: False
Accept wildcard characters: False
```

### -Force
Does it anyway.

```yaml
Type: SwitchParameter
Parameter Sets: (All)
Aliases:

Required: False
Position: Named
Default value: False
Accept pipeline input: False
Accept wildcard characters: False
```

### CommonParameters
This cmdlet supports the common parameters.

## INPUTS

### System.String
Names.

## OUTPUTS

### System.Object
Things.

## NOTES
A note.

## RELATED LINKS

[about_Thing](about_Thing)

[Online](https://example.com/thing)
'@

    function Invoke-Converter {
        # Writes the markdown as <Name>.md in a folder of its own, converts it and returns the XML.
        param([string] $Markdown, [string] $Name = 'Get-Thing', [string] $ModulePath)
        $source = New-Item -ItemType Directory (Join-Path $TestDrive ([guid]::NewGuid().ToString('n')))
        Set-Content -LiteralPath (Join-Path $source "$Name.md") -Value $Markdown -Encoding utf8NoBOM
        $destination = Join-Path $source 'out/en-US/Thing-Help.xml'
        $arguments = @{ Source = $source.FullName; Destination = $destination }
        if ($ModulePath) { $arguments.ModulePath = $ModulePath }
        & $Converter @arguments
        $xml = [xml]::new()
        $xml.Load($destination)
        $xml
    }

    function Select-Maml([Xml.XmlNode] $Xml, [string] $XPath) {
        @(Select-Xml -Xml $Xml -XPath $XPath -Namespace $Namespaces | ForEach-Object Node)
    }

    function Get-LineNumber([string] $Markdown, [string] $Line) {
        # 1-based number of the first line equal to $Line; the converter's messages name it.
        $lines = $Markdown -split "`r?`n"
        [array]::IndexOf($lines, $Line) + 1
    }

    function New-ThingModule {
        # A script module exporting Get-Thing with the given parameter block, and optionally more functions.
        param([string] $Parameters, [string] $Extra = '')
        $name = 'Thing' + [guid]::NewGuid().ToString('n').Substring(0, 8)
        $folder = New-Item -ItemType Directory (Join-Path $TestDrive $name)
        $path = Join-Path $folder "$name.psm1"
        Set-Content -LiteralPath $path -Value "function Get-Thing { [CmdletBinding()] param($Parameters) }`n$Extra"
        $path
    }
}

Describe 'ConvertTo-MamlHelp' {
    Context 'valid markdown' {
        BeforeAll {
            $xml = Invoke-Converter $ValidMarkdown
        }

        It 'writes a helpItems root with schema maml and one command' {
            $xml.DocumentElement.LocalName | Should -Be 'helpItems'
            $xml.DocumentElement.GetAttribute('schema') | Should -Be 'maml'
            Select-Maml $xml '/*/command:command' | Should -HaveCount 1
        }

        It 'writes the name, verb, noun and synopsis, escaped' {
            (Select-Maml $xml '//command:details/command:name').InnerText | Should -Be 'Get-Thing'
            (Select-Maml $xml '//command:details/command:verb').InnerText | Should -Be 'Get'
            (Select-Maml $xml '//command:details/command:noun').InnerText | Should -Be 'Thing'
            (Select-Maml $xml '//command:details/maml:description/maml:para').InnerText | Should -Be 'Gets things <fast> & "safely".'
        }

        It 'joins the lines of a paragraph and keeps list items on their own lines' {
            $paragraphs = @(Select-Maml $xml '/*/command:command/maml:description/maml:para')
            $paragraphs | Should -HaveCount 2
            $paragraphs[0].InnerText | Should -Be 'The first paragraph goes on here.'
            $paragraphs[1].InnerText | Should -Be "- first item`n- second item continues"
        }

        It 'writes one syntax item per parameter set, in the order of the SYNTAX section' {
            $items = @(Select-Maml $xml '//command:syntax/command:syntaxItem')
            $items | Should -HaveCount 2
            @(Select-Maml $items[0] 'command:parameter/maml:name' | ForEach-Object InnerText) | Should -Be @('Name', 'Scope', 'Force')
            @(Select-Maml $items[1] 'command:parameter/maml:name' | ForEach-Object InnerText) | Should -Be @('Id', 'Scope', 'Force')
        }

        It 'writes the attributes of a parameter from its yaml' {
            $name = @(Select-Maml $xml "//command:syntaxItem/command:parameter[maml:name='Name']")
            $name | Should -HaveCount 1
            $name[0].required | Should -Be 'true'
            $name[0].position | Should -Be '0'
            $name[0].pipelineInput | Should -Be 'True (ByValue)'
            $name[0].globbing | Should -Be 'true'
            $name[0].aliases | Should -Be 'N'
            $name[0].variableLength | Should -Be 'true'
            (Select-Maml $name[0] 'command:parameterValue').InnerText | Should -Be 'String[]'
        }

        It 'takes the attributes of each parameter set from its own yaml block' {
            $scope = @(Select-Maml $xml "//command:syntaxItem/command:parameter[maml:name='Scope']")
            $scope | ForEach-Object required | Should -Be @('false', 'true')
            (Select-Maml $scope[0] 'dev:defaultValue').InnerText | Should -Be 'Local'
            $scope[1].position | Should -Be 'named'
        }

        It 'writes a switch without a parameter value' {
            $force = @(Select-Maml $xml "//command:parameters/command:parameter[maml:name='Force']")
            $force | Should -HaveCount 1
            Select-Maml $force[0] 'command:parameterValue' | Should -HaveCount 0
            (Select-Maml $force[0] 'dev:type/maml:name').InnerText | Should -Be 'SwitchParameter'
        }

        It 'lists every parameter, with its description, but not the common parameters' {
            $parameters = @(Select-Maml $xml '//command:parameters/command:parameter')
            @($parameters | ForEach-Object { $_.name }) | Should -Be @('Name', 'Id', 'Scope', 'Force')
            (Select-Maml $parameters[2] 'maml:description/maml:para').InnerText | Should -Be 'Where to look.'
        }

        It 'writes the examples with title, code and remarks' {
            $examples = @(Select-Maml $xml '//command:examples/command:example')
            $examples | Should -HaveCount 2
            (Select-Maml $examples[0] 'maml:title').InnerText | Should -BeLike '*Example 1: Get a thing*'
            (Select-Maml $examples[0] 'dev:code').InnerText | Should -Be "# A comment in code is not a heading.`nGet-Thing -Name 'a<b>&c'"
            (Select-Maml $examples[0] 'dev:remarks/maml:para')[0].InnerText | Should -Be 'Remarks for the first example.'
        }

        It 'shows an output fence with the remarks instead of running it' {
            $example = (Select-Maml $xml '//command:examples/command:example')[0]
            (Select-Maml $example 'dev:code').InnerText | Should -Not -BeLike '*----*'
            (Select-Maml $example 'dev:remarks/maml:para')[1].InnerText | Should -BeLike '*a<b>&c*'
        }

        It 'writes the input and output types, the notes and the related links' {
            (Select-Maml $xml '//command:inputTypes/command:inputType/dev:type/maml:name').InnerText | Should -Be 'System.String'
            (Select-Maml $xml '//command:returnValues/command:returnValue/dev:type/maml:name').InnerText | Should -Be 'System.Object'
            (Select-Maml $xml '//maml:alertSet/maml:alert/maml:para').InnerText | Should -Be 'A note.'
            $links = @(Select-Maml $xml '//command:relatedLinks/maml:navigationLink')
            $links | Should -HaveCount 2
            (Select-Maml $links[0] 'maml:linkText').InnerText | Should -Be 'about_Thing'
            (Select-Maml $links[0] 'maml:uri').InnerText | Should -BeNullOrEmpty
            (Select-Maml $links[1] 'maml:uri').InnerText | Should -Be 'https://example.com/thing'
        }

        It 'writes help that Get-Help reads' {
            # A function's .ExternalHelp is read by the same MAML loader as a binary module's help.
            $folder = Join-Path $TestDrive 'ThingHelp'
            New-Item -ItemType Directory (Join-Path $folder 'en-US') -Force | Out-Null
            $xml.Save((Join-Path $folder 'en-US/ThingHelp.psm1-Help.xml'))
            Set-Content (Join-Path $folder 'ThingHelp.psm1') -Value @'
# .ExternalHelp ThingHelp.psm1-Help.xml
function Get-Thing { [CmdletBinding(DefaultParameterSetName = 'Name')] param([Parameter(ParameterSetName = 'Name', Position = 0)] [string[]] $Name) }
'@
            $module = Import-Module (Join-Path $folder 'ThingHelp.psm1') -PassThru -Force
            try {
                $help = Get-Help Get-Thing -Full
                $help.Synopsis | Should -Be 'Gets things <fast> & "safely".'
                @($help.examples.example) | Should -HaveCount 2
                $help.examples.example[1].code | Should -Be 'Get-Thing -Id 42'
            }
            finally {
                Remove-Module $module
            }
        }
    }

    Context 'markdown that would rot quietly' {
        It 'stops, naming file and line, when <Case>' -ForEach @(
            @{ Case = 'SYNOPSIS is missing'; Pattern = '(?ms)^## SYNOPSIS.*?(?=^## SYNTAX)'; Replacement = ''; Message = '*Get-Thing.md:*SYNOPSIS*' }
            @{ Case = 'DESCRIPTION is empty'; Pattern = '(?ms)(?<=^## DESCRIPTION\r?\n).*?(?=^## EXAMPLES)'; Replacement = ''; Message = '*Get-Thing.md:*DESCRIPTION*' }
            @{ Case = 'EXAMPLES is missing'; Pattern = '(?ms)^## EXAMPLES.*?(?=^## PARAMETERS)'; Replacement = ''; Message = '*Get-Thing.md:*EXAMPLES*' }
            @{ Case = 'there is only one example'; Pattern = '(?ms)^### Example 2.*?(?=^## PARAMETERS)'; Replacement = ''; Message = '*Get-Thing.md:*1 example*at least two*' }
            @{ Case = 'an example has no code'; Pattern = '(?ms)(?<=^### Example 2: Get by id\r?\n)```powershell.*?```'; Replacement = 'Just words.'; Message = '*Get-Thing.md:*Example 2*no code block*' }
            @{ Case = 'a code block is never closed'; Pattern = '(?ms)(?<=^Accept wildcard characters: False\r?\n)```(?=\r?\n\r?\n### CommonParameters)'; Replacement = ''; Message = '*Get-Thing.md:*never closed*' }
            @{ Case = 'a placeholder is left in'; Pattern = 'Does it anyway\.'; Replacement = '{{ Fill Force Description }}'; Message = '*Get-Thing.md:*placeholder*' }
            @{ Case = 'a parameter has no description'; Pattern = 'Does it anyway\.'; Replacement = ''; Message = '*Get-Thing.md:*-Force has no description*' }
            @{ Case = 'SYNTAX names a set no parameter is in'; Pattern = '### Id\r?\n'; Replacement = "### ById`n"; Message = '*Get-Thing.md:*disagree*ById*' }
        ) {
            $markdown = $ValidMarkdown -replace $Pattern, $Replacement
            $markdown | Should -Not -Be $ValidMarkdown -Because 'the test case must change the markdown'
            { Invoke-Converter $markdown } | Should -Throw -ExpectedMessage $Message
        }

        It 'stops at the line of a parameter that has no yaml block' {
            $markdown = $ValidMarkdown -replace '(?ms)(?<=^Does it anyway\.\r?\n\r?\n)```yaml.*?```', ''
            $line = Get-LineNumber $markdown '### -Force'
            $line | Should -BeGreaterThan 0
            { Invoke-Converter $markdown } | Should -Throw -ExpectedMessage "*Get-Thing.md:${line}: The parameter -Force has no yaml block*"
        }

        It 'stops when the title does not match the file name' {
            { Invoke-Converter $ValidMarkdown -Name 'Get-Other' } | Should -Throw -ExpectedMessage "*Get-Other.md:*does not match the file name*"
        }

        It 'stops when the folder has no help files' {
            $empty = New-Item -ItemType Directory (Join-Path $TestDrive 'empty')
            { & $Converter -Source $empty -Destination (Join-Path $empty 'x.xml') } | Should -Throw -ExpectedMessage '*No Verb-Noun.md help files*'
        }
    }

    Context 'checking against the module with -ModulePath' {
        BeforeAll {
            $matching = '[Parameter(ParameterSetName = "Name", Position = 0)] [string[]] $Name, [Parameter(ParameterSetName = "Id")] [int] $Id, [string] $Scope, [switch] $Force'
        }

        It 'passes when the documented parameters are the real ones, and unloads the module again' {
            $module = New-ThingModule $matching
            $xml = Invoke-Converter $ValidMarkdown -ModulePath $module
            Select-Maml $xml '/*/command:command' | Should -HaveCount 1
            Get-Module ([IO.Path]::GetFileNameWithoutExtension($module)) | Should -BeNullOrEmpty
        }

        It 'lists the parameters the help does not document' {
            $module = New-ThingModule "$matching, [string] `$Extra, [string] `$Other"
            { Invoke-Converter $ValidMarkdown -ModulePath $module } | Should -Throw -ExpectedMessage '*undocumented parameter(s) -Extra, -Other*'
        }

        It 'lists the documented parameters the cmdlet does not have' {
            $module = New-ThingModule '[string[]] $Name, [int] $Id, [string] $Scope'
            { Invoke-Converter $ValidMarkdown -ModulePath $module } | Should -Throw -ExpectedMessage '*parameter(s) the cmdlet does not have: -Force*'
        }

        It 'names an exported command that has no help file' {
            $module = New-ThingModule $matching -Extra 'function Set-Thing { param() }'
            { Invoke-Converter $ValidMarkdown -ModulePath $module } | Should -Throw -ExpectedMessage '*Set-Thing: no markdown help file*'
        }

        It 'does not load the module without -ModulePath' {
            $before = @(Get-Module).Count
            Invoke-Converter $ValidMarkdown | Out-Null
            @(Get-Module).Count | Should -Be $before
        }
    }
}
