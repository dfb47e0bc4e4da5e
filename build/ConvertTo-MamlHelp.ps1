#requires -Version 7.4
<#
.SYNOPSIS
    Turns the markdown help in docs/<culture>/Verb-Noun.md into the MAML file Get-Help reads for a binary module.

.DESCRIPTION
    Each markdown file describes one cmdlet in the PlatyPS layout (see docs/en-US/README.md). The script
    writes one <helpItems> file with a <command:command> per cmdlet. It stops, naming the file and line, when
    a file lacks a synopsis, a description, two examples, or a parameter's yaml block, so help cannot rot
    quietly. With -ModulePath it also imports the built module and checks that the documented parameters are
    the cmdlets' real ones.

.PARAMETER Source
    The folder holding the Verb-Noun.md files (README.md and about_*.md are not cmdlets and are skipped).

.PARAMETER Destination
    The MAML file to write, for example out/SmimeTools/en-US/SmimeTools.dll-Help.xml.

.PARAMETER ModulePath
    A built module to check the documented parameters against. Without it no module is loaded.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $Source,
    [Parameter(Mandatory)] [string] $Destination,
    [string] $ModulePath
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0

$Maml = 'http://schemas.microsoft.com/maml/2004/10'
$Command = 'http://schemas.microsoft.com/maml/dev/command/2004/10'
$Dev = 'http://schemas.microsoft.com/maml/dev/2004/10'
$AllSets = '(All)'

function Stop-Help([string] $File, [int] $Line, [string] $Message) {
    throw "${File}:${Line}: $Message"
}

function Read-MarkdownBlock([string] $File) {
    # Headings, paragraphs and fenced code, each with its line number; '#' inside a fence is code, not a heading.
    $lines = [IO.File]::ReadAllLines($File)
    $blocks = [Collections.Generic.List[object]]::new()
    $i = 0
    if ($lines.Count -gt 0 -and $lines[0] -eq '---') {
        do { $i++ } while ($i -lt $lines.Count -and $lines[$i] -ne '---')
        if ($i -ge $lines.Count) { Stop-Help $File 1 'The front matter opened here is never closed with ---.' }
        $i++
    }
    $paragraph = $null
    for (; $i -lt $lines.Count; $i++) {
        $line = $lines[$i]
        if ($line -match '^(```+)\s*([\w-]*)\s*$') {
            $paragraph = $null
            $fence, $language, $start = $Matches[1], $Matches[2], ($i + 1)
            $body = [Collections.Generic.List[string]]::new()
            for ($i++; $i -lt $lines.Count -and $lines[$i] -notmatch "^$fence\s*$"; $i++) { $body.Add($lines[$i]) }
            if ($i -ge $lines.Count) { Stop-Help $File $start 'A code block opened here is never closed.' }
            $blocks.Add([pscustomobject]@{ Kind = 'Code'; Language = $language.ToLowerInvariant(); Lines = $body; Line = $start })
        }
        elseif ($line -match '^(#{1,6})\s+(.*?)\s*$') {
            $paragraph = $null
            $blocks.Add([pscustomobject]@{ Kind = 'Heading'; Level = $Matches[1].Length; Text = $Matches[2]; Line = $i + 1 })
        }
        elseif ($line.Trim() -eq '') {
            $paragraph = $null
        }
        else {
            if ($null -eq $paragraph) {
                $paragraph = [pscustomobject]@{ Kind = 'Text'; Lines = [Collections.Generic.List[string]]::new(); Line = $i + 1 }
                $blocks.Add($paragraph)
            }
            $paragraph.Lines.Add($line.TrimEnd())
        }
    }
    $blocks
}

function Split-Heading([object[]] $Blocks, [int] $Level) {
    # The blocks under each heading of the given level, up to the next heading of that level or higher.
    $section = $null
    foreach ($block in $Blocks) {
        if ($block.Kind -eq 'Heading' -and $block.Level -le $Level) {
            if ($section) { $section }
            $section = if ($block.Level -eq $Level) { [pscustomobject]@{ Title = $block.Text; Line = $block.Line; Blocks = @() } }
        }
        elseif ($section) { $section.Blocks += $block }
    }
    if ($section) { $section }
}

function ConvertTo-Paragraph([object[]] $Blocks) {
    # Markdown soft line breaks become spaces; list items and code keep their own lines so they stay readable.
    foreach ($block in $Blocks) {
        if ($block.Kind -eq 'Code') { ($block.Lines | ForEach-Object { "    $_" }) -join "`n"; continue }
        if ($block.Kind -eq 'Heading') { $block.Text; continue }
        $items = [Collections.Generic.List[string]]::new()
        foreach ($line in $block.Lines) {
            if ($line -match '^\s*([-*+]|\d+[.)])\s' -or $items.Count -eq 0) { $items.Add($line.Trim()) }
            else { $items[$items.Count - 1] += ' ' + $line.Trim() }
        }
        $isList = $block.Lines[0] -match '^\s*([-*+]|\d+[.)])\s'
        if ($isList) { $items -join "`n" } else { $items -join ' ' }
    }
}

function Read-Yaml([string] $File, [object] $Block) {
    $values = @{}
    foreach ($line in $Block.Lines) {
        if ($line -match '^\s*([A-Za-z ]+?)\s*:\s*(.*?)\s*$') { $values[$Matches[1]] = $Matches[2] }
    }
    foreach ($key in 'Type', 'Parameter Sets', 'Required', 'Position') {
        if (-not $values[$key]) { Stop-Help $File $Block.Line "The parameter's yaml block has no '$key'." }
    }
    $aliases = if ($values['Aliases'] -and $values['Aliases'] -ne 'None') { $values['Aliases'] } else { 'none' }
    [pscustomobject]@{
        Type         = $values['Type']
        Sets         = @($values['Parameter Sets'] -split '\s*,\s*')
        Required     = $values['Required'] -eq 'True'
        Position     = if ($values['Position'] -match '^\d+$') { $values['Position'] } else { 'named' }
        Aliases      = $aliases
        DefaultValue = if ($values['Default value']) { $values['Default value'] } else { 'None' }
        Pipeline     = if ($values['Accept pipeline input']) { $values['Accept pipeline input'] } else { 'False' }
        Globbing     = $values['Accept wildcard characters'] -eq 'True'
    }
}

function Read-CommandHelp([string] $File) {
    $blocks = @(Read-MarkdownBlock $File)
    $title = $blocks | Where-Object { $_.Kind -eq 'Heading' -and $_.Level -eq 1 } | Select-Object -First 1
    if (-not $title) { Stop-Help $File 1 'There is no "# Verb-Noun" title.' }
    $name = $title.Text
    if ($name -notmatch '^(\w+)-(\w+)$') { Stop-Help $File $title.Line "The title '$name' is not a Verb-Noun cmdlet name." }
    $verb, $noun = $Matches[1], $Matches[2]
    if ([IO.Path]::GetFileNameWithoutExtension($File) -ne $name) { Stop-Help $File $title.Line "The title '$name' does not match the file name." }
    $placeholder = $blocks | Where-Object { $_.Kind -ne 'Heading' -and ($_.Lines -match '\{\{.*\}\}') } | Select-Object -First 1
    if ($placeholder) { Stop-Help $File $placeholder.Line 'A {{ placeholder }} is still to be filled in.' }

    $sections = @{}
    foreach ($section in Split-Heading $blocks 2) {
        if ($sections.ContainsKey($section.Title)) { Stop-Help $File $section.Line "A second '## $($section.Title)' section." }
        $sections[$section.Title.ToUpperInvariant()] = $section
    }
    function Get-Section([string] $Heading, [switch] $Required) {
        # A missing optional section reads as an empty one.
        $section = $sections[$Heading]
        if ($Required -and (-not $section -or -not ($section.Blocks | Where-Object Kind -ne 'Heading'))) {
            Stop-Help $File $(if ($section) { $section.Line } else { $title.Line }) "$name has no '## $Heading' section, or it is empty."
        }
        if ($section) { $section } else { [pscustomobject]@{ Title = $Heading; Line = $title.Line; Blocks = @() } }
    }

    $synopsis = @(ConvertTo-Paragraph (Get-Section SYNOPSIS -Required).Blocks)
    $description = @(ConvertTo-Paragraph (Get-Section DESCRIPTION -Required).Blocks)

    $examplesSection = Get-Section EXAMPLES -Required
    $examples = foreach ($example in Split-Heading $examplesSection.Blocks 3) {
        # Fences marked output or text are sample output: shown with the remarks, never run.
        $code = @($example.Blocks | Where-Object { $_.Kind -eq 'Code' -and $_.Language -notin 'output', 'text' })
        if ($code.Count -eq 0) { Stop-Help $File $example.Line "The example '$($example.Title)' has no code block." }
        [pscustomobject]@{
            Title   = $example.Title
            Code    = ($code | ForEach-Object { $_.Lines -join "`n" }) -join "`n`n"
            Remarks = @(ConvertTo-Paragraph @($example.Blocks | Where-Object { $_ -notin $code }))
        }
    }
    if (@($examples).Count -lt 2) { Stop-Help $File $examplesSection.Line "$name has $(@($examples).Count) example(s); write at least two '### Example' sections." }

    $parameters = foreach ($parameter in Split-Heading (Get-Section PARAMETERS).Blocks 3) {
        if ($parameter.Title -eq 'CommonParameters') { continue }
        if ($parameter.Title -notmatch '^-(\w+)$') { Stop-Help $File $parameter.Line "'### $($parameter.Title)' is not a '### -Name' parameter heading." }
        $parameterName = $Matches[1]
        $yaml = @($parameter.Blocks | Where-Object { $_.Kind -eq 'Code' -and $_.Language -eq 'yaml' })
        if ($yaml.Count -eq 0) { Stop-Help $File $parameter.Line "The parameter $($parameter.Title) has no yaml block (Type, Parameter Sets, Required, Position, ...)." }
        $text = @(ConvertTo-Paragraph @($parameter.Blocks | Where-Object { $_ -notin $yaml }))
        if ($text.Count -eq 0) { Stop-Help $File $parameter.Line "The parameter $($parameter.Title) has no description." }
        # One yaml block per group of parameter sets whose attributes differ, as PlatyPS writes them.
        $variants = @($yaml | ForEach-Object { Read-Yaml $File $_ })
        [pscustomobject]@{ Name = $parameterName; Description = $text; Variants = $variants; Type = $variants[0].Type; Line = $parameter.Line }
    }
    $parameters = @($parameters)

    $setsInYaml = @($parameters | ForEach-Object Variants | ForEach-Object Sets | Where-Object { $_ -ne $AllSets } | Select-Object -Unique)
    $syntax = Get-Section SYNTAX
    $setsInSyntax = @(Split-Heading $syntax.Blocks 3 | ForEach-Object { $_.Title -replace '\s*\(Default\)\s*$' })
    $extra = @($setsInSyntax | Where-Object { $_ -notin $setsInYaml }) + @($setsInYaml | Where-Object { $_ -notin $setsInSyntax -and $setsInSyntax })
    if ($extra) { Stop-Help $File $syntax.Line "The SYNTAX sets and the parameters' 'Parameter Sets' disagree about: $($extra -join ', ')." }
    $sets = if ($setsInSyntax) { $setsInSyntax } elseif ($setsInYaml) { $setsInYaml } else { @($AllSets) }

    $links = foreach ($block in (Get-Section 'RELATED LINKS').Blocks | Where-Object Kind -eq 'Text') {
        foreach ($match in [regex]::Matches($block.Lines -join ' ', '\[([^\]]+)\]\(([^)]*)\)')) {
            [pscustomobject]@{ Text = $match.Groups[1].Value; Uri = $(if ($match.Groups[2].Value -match '^https?://') { $match.Groups[2].Value } else { '' }) }
        }
    }
    $typeList = {
        param($Section)
        foreach ($type in Split-Heading (Get-Section $Section).Blocks 3) {
            [pscustomobject]@{ Name = $type.Title; Description = @(ConvertTo-Paragraph $type.Blocks) }
        }
    }

    [pscustomobject]@{
        Name = $name; Verb = $verb; Noun = $noun; File = $File
        Synopsis = $synopsis; Description = $description; Examples = @($examples); Parameters = $parameters; Sets = $sets
        Inputs = @(& $typeList INPUTS); Outputs = @(& $typeList OUTPUTS)
        Notes = @(ConvertTo-Paragraph (Get-Section NOTES).Blocks); Links = @($links)
    }
}

function Write-Description([Xml.XmlWriter] $Writer, [string[]] $Text) {
    $Writer.WriteStartElement('maml', 'description', $Maml)
    foreach ($paragraph in $Text) { $Writer.WriteElementString('maml', 'para', $Maml, $paragraph) }
    $Writer.WriteEndElement()
}

function Write-Type([Xml.XmlWriter] $Writer, [string] $Name) {
    $Writer.WriteStartElement('dev', 'type', $Dev)
    $Writer.WriteElementString('maml', 'name', $Maml, $Name)
    $Writer.WriteEndElement()
}

function Write-Parameter([Xml.XmlWriter] $Writer, [object] $Parameter, [object] $Variant) {
    $isSwitch = $Parameter.Type -match '(^|\.)SwitchParameter$'
    $isArray = ($Parameter.Type -match '\[\]$').ToString().ToLowerInvariant()
    $Writer.WriteStartElement('command', 'parameter', $Command)
    $Writer.WriteAttributeString('required', $Variant.Required.ToString().ToLowerInvariant())
    $Writer.WriteAttributeString('variableLength', $isArray)
    $Writer.WriteAttributeString('globbing', $Variant.Globbing.ToString().ToLowerInvariant())
    $Writer.WriteAttributeString('pipelineInput', $Variant.Pipeline)
    $Writer.WriteAttributeString('position', $Variant.Position)
    $Writer.WriteAttributeString('aliases', $Variant.Aliases)
    $Writer.WriteElementString('maml', 'name', $Maml, $Parameter.Name)
    Write-Description $Writer $Parameter.Description
    if (-not $isSwitch) {
        $Writer.WriteStartElement('command', 'parameterValue', $Command)
        $Writer.WriteAttributeString('required', 'true')
        $Writer.WriteAttributeString('variableLength', $isArray)
        $Writer.WriteString($Parameter.Type)
        $Writer.WriteEndElement()
    }
    Write-Type $Writer $Parameter.Type
    $Writer.WriteElementString('dev', 'defaultValue', $Dev, $(if ($isSwitch -and $Variant.DefaultValue -eq 'None') { 'False' } else { $Variant.DefaultValue }))
    $Writer.WriteEndElement()
}

function Write-Command([Xml.XmlWriter] $Writer, [object] $Help) {
    $Writer.WriteStartElement('command', 'command', $Command)
    $Writer.WriteStartElement('command', 'details', $Command)
    $Writer.WriteElementString('command', 'name', $Command, $Help.Name)
    $Writer.WriteElementString('command', 'verb', $Command, $Help.Verb)
    $Writer.WriteElementString('command', 'noun', $Command, $Help.Noun)
    Write-Description $Writer $Help.Synopsis
    $Writer.WriteEndElement()
    Write-Description $Writer $Help.Description

    $Writer.WriteStartElement('command', 'syntax', $Command)
    foreach ($set in $Help.Sets) {
        # Positional parameters first, in position order, then the named ones as the markdown lists them.
        $members = foreach ($parameter in $Help.Parameters) {
            $variant = $parameter.Variants | Where-Object { $_.Sets -contains $set -or $_.Sets -contains $AllSets } | Select-Object -First 1
            if ($variant) { [pscustomobject]@{ Parameter = $parameter; Variant = $variant } }
        }
        $Writer.WriteStartElement('command', 'syntaxItem', $Command)
        $Writer.WriteElementString('maml', 'name', $Maml, $Help.Name)
        $ordered = @($members | Where-Object { $_.Variant.Position -ne 'named' } | Sort-Object { [int] $_.Variant.Position }) +
            @($members | Where-Object { $_.Variant.Position -eq 'named' })
        foreach ($member in $ordered) { Write-Parameter $Writer $member.Parameter $member.Variant }
        $Writer.WriteEndElement()
    }
    $Writer.WriteEndElement()

    $Writer.WriteStartElement('command', 'parameters', $Command)
    foreach ($parameter in $Help.Parameters) { Write-Parameter $Writer $parameter $parameter.Variants[0] }
    $Writer.WriteEndElement()

    foreach ($kind in @{ List = 'inputTypes'; Item = 'inputType'; Types = $Help.Inputs }, @{ List = 'returnValues'; Item = 'returnValue'; Types = $Help.Outputs }) {
        $Writer.WriteStartElement('command', $kind.List, $Command)
        foreach ($type in $kind.Types) {
            $Writer.WriteStartElement('command', $kind.Item, $Command)
            Write-Type $Writer $type.Name
            Write-Description $Writer $type.Description
            $Writer.WriteEndElement()
        }
        $Writer.WriteEndElement()
    }

    if ($Help.Notes) {
        $Writer.WriteStartElement('maml', 'alertSet', $Maml)
        $Writer.WriteStartElement('maml', 'alert', $Maml)
        foreach ($paragraph in $Help.Notes) { $Writer.WriteElementString('maml', 'para', $Maml, $paragraph) }
        $Writer.WriteEndElement()
        $Writer.WriteEndElement()
    }

    $Writer.WriteStartElement('command', 'examples', $Command)
    foreach ($example in $Help.Examples) {
        $Writer.WriteStartElement('command', 'example', $Command)
        $Writer.WriteElementString('maml', 'title', $Maml, "--------- $($example.Title) ---------")
        $Writer.WriteElementString('dev', 'code', $Dev, $example.Code)
        $Writer.WriteStartElement('dev', 'remarks', $Dev)
        # The empty paragraph is the blank line Get-Help otherwise leaves out before the next example.
        foreach ($paragraph in @($example.Remarks) + '') { $Writer.WriteElementString('maml', 'para', $Maml, $paragraph) }
        $Writer.WriteEndElement()
        $Writer.WriteEndElement()
    }
    $Writer.WriteEndElement()

    $Writer.WriteStartElement('command', 'relatedLinks', $Command)
    foreach ($link in $Help.Links) {
        $Writer.WriteStartElement('maml', 'navigationLink', $Maml)
        $Writer.WriteElementString('maml', 'linkText', $Maml, $link.Text)
        $Writer.WriteElementString('maml', 'uri', $Maml, $link.Uri)
        $Writer.WriteEndElement()
    }
    $Writer.WriteEndElement()
    $Writer.WriteEndElement()
}

function Assert-ModuleParameter([object[]] $Helps, [string] $Path) {
    # Compares parameter names only; common parameters are the engine's, not ours to document.
    $loadedBefore = @(Get-Module)
    $module = Import-Module $Path -PassThru -ErrorAction Stop | Select-Object -First 1
    try {
        $common = [Management.Automation.Cmdlet]::CommonParameters + [Management.Automation.Cmdlet]::OptionalCommonParameters
        $commands = @($module.ExportedCommands.Values | Where-Object CommandType -in 'Cmdlet', 'Function')
        $problems = [Collections.Generic.List[string]]::new()
        foreach ($command in $commands) {
            $help = $Helps | Where-Object Name -eq $command.Name
            if (-not $help) { $problems.Add("$($command.Name): no markdown help file."); continue }
            $real = @($command.Parameters.Keys | Where-Object { $_ -notin $common })
            $documented = @($help.Parameters | ForEach-Object Name)
            $missing = @($real | Where-Object { $_ -notin $documented })
            $extra = @($documented | Where-Object { $_ -notin $real })
            if ($missing) { $problems.Add("$($help.File): undocumented parameter(s) -$($missing -join ', -').") }
            if ($extra) { $problems.Add("$($help.File): documents parameter(s) the cmdlet does not have: -$($extra -join ', -').") }
        }
        $exported = @($commands | ForEach-Object Name)
        foreach ($help in $Helps | Where-Object Name -notin $exported) {
            $problems.Add("$($help.File): the module does not export $($help.Name).")
        }
        if ($problems.Count) { throw "The help does not match the module at ${Path}:`n  $($problems -join "`n  ")" }
    }
    finally {
        if ($module -and $loadedBefore -notcontains $module) { Remove-Module $module -Force }
    }
}

$files = @(Get-ChildItem -LiteralPath $Source -Filter '*-*.md' -File | Sort-Object Name)
if ($files.Count -eq 0) { throw "No Verb-Noun.md help files in '$Source'." }
$helps = @($files | ForEach-Object { Read-CommandHelp $_.FullName })
if ($ModulePath) { Assert-ModuleParameter $helps $ModulePath }

$target = [IO.Path]::GetFullPath($Destination, (Get-Location -PSProvider FileSystem).ProviderPath)
[void] [IO.Directory]::CreateDirectory([IO.Path]::GetDirectoryName($target))
$settings = [Xml.XmlWriterSettings]@{ Indent = $true; Encoding = [Text.UTF8Encoding]::new($false) }
$writer = [Xml.XmlWriter]::Create($target, $settings)
try {
    $writer.WriteStartDocument()
    $writer.WriteStartElement('helpItems', 'http://msh')
    $writer.WriteAttributeString('schema', 'maml')
    $writer.WriteAttributeString('xmlns', 'maml', $null, $Maml)
    $writer.WriteAttributeString('xmlns', 'command', $null, $Command)
    $writer.WriteAttributeString('xmlns', 'dev', $null, $Dev)
    foreach ($help in $helps) { Write-Command $writer $help }
    $writer.WriteEndElement()
    $writer.WriteEndDocument()
}
finally {
    $writer.Dispose()
}
Write-Verbose "Wrote help for $(($helps | ForEach-Object Name) -join ', ') to $target"
