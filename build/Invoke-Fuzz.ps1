<#
.SYNOPSIS
    Fuzzes the engine's parsers with AFL++ and SharpFuzz, one target at a time, and prints what each run reached.

.DESCRIPTION
    Builds tests/fuzz/SmimeTools.Fuzz into out/fuzz/bin, instruments SmimeTools.Engine.dll there with sharpfuzz
    (the dotnet tool of the repository's manifest), gathers each target's seeds into out/fuzz/<target>/seeds (its own
    generated seeds plus files read from ../shared/corpora at run time: nothing of the corpora lands in the
    repository), and runs afl-fuzz under nice -n 19 for the given minutes. A run resumes what out/fuzz/<target>/findings
    already holds. Findings are AFL's crashes and hangs: an exception that is not a typed engine error, more than 1 s,
    or more than 64 MiB allocated for one input of at most 64 KiB (tests/fuzz/SmimeTools.Fuzz/FuzzBounds.cs).
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $Root,
    [Parameter(Mandatory)] [string] $PkiFolder,
    [string[]] $Target,
    # Minutes per target, in the order of -Target; the last value holds for the targets after it.
    [string[]] $Minutes = '10',
    # Stop each target after this many executions (afl-fuzz -E; on a resumed target AFL counts the earlier runs too).
    # Given without -Minutes, a target runs until it has them, however long that takes.
    [long] $Executions = 0,
    [string] $Configuration = 'Release'
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
. (Join-Path $Root 'build/BuildSupport.ps1')

# Riskiest first: the parsers every message goes through, then the ones fed by files and servers.
$order = 'asn1', 'enveloped', 'signed', 'pkcs12', 'ldap', 'mime', 'compressed', 'certfile', 'crl', 'ocsp'
$corpora = Join-Path (Split-Path $Root -Parent) 'shared/corpora'
# Which corpus files seed which target (paths under ../shared/corpora, wildcards allowed).
$corpusSeeds = @{
    asn1       = 'rfc4134/*.bin', 'rfc9216/examples-cms/binary-files/*.p7m', 'openssl/recipes/80-test_cms_data/*.cms'
    enveloped  = 'rfc4134/5.*.bin', 'rfc9216/examples-cms/binary-files/encrypted*.p7m', 'rfc9216/examples-cms/binary-files/authEnveloped*.p7m'
    signed     = 'rfc4134/4.*.bin', 'rfc9216/examples-cms/binary-files/signed*.p7m', 'openssl/recipes/80-test_cms_data/*.cms'
    pkcs12     = 'pkcs12-rustcrypto/examples/*.p12', 'pkcs12-rustcrypto/examples/*.pfx', 'mimekit-smime/smime/rsa/smime.pfx', 'mimekit-smime/smime/ec/smime.pfx'
    ldap       = @()
    mime       = 'rfc4134/*.eml', 'openssl/smime-eml/*.eml', 'openssl/from-openssl-master-index/*.eml', 'rfc9216/header-protection-sample/*.eml'
    compressed = @()
    certfile   = 'rfc9216/certs/*.pem', 'openssl/smime-certs/smrsa1.pem', 'openssl/smime-certs/smec1.pem', 'rfc4134/*.cer', 'pkcs12-rustcrypto/examples/cert.der'
    crl        = 'rfc4134/*.crl'
    ocsp       = @()
}

# From a shell (pwsh -File) a list arrives as one comma-separated string.
$targets = if ($Target) { @($Target | ForEach-Object { $_ -split ',' } | Where-Object { $_ }) } else { $order }
$minuteList = [double[]] @($Minutes | ForEach-Object { $_ -split ',' } | Where-Object { $_ } | ForEach-Object { [double]::Parse($_, [cultureinfo]::InvariantCulture) })
foreach ($name in $targets) {
    if ($name -notin $order) { throw "No fuzz target '$name'; there are: $($order -join ', ')." }
}
if (-not (Get-Command afl-fuzz -ErrorAction Ignore)) {
    throw 'afl-fuzz is not installed (Debian package afl++; build.ps1 Fuzz installs it when run as root).'
}

$fuzzOut = Join-Path $Root 'out/fuzz'
$buildOut = Join-Path $fuzzOut 'build'
$binOut = Join-Path $fuzzOut 'bin'
Write-Step 'Building the fuzz targets'
Invoke-Native dotnet build (Join-Path $Root 'tests/fuzz/SmimeTools.Fuzz/SmimeTools.Fuzz.csproj') -c $Configuration -o $buildOut --nologo --verbosity quiet
# Instrument a fresh copy every time: sharpfuzz refuses an assembly it has instrumented already.
if (Test-Path $binOut) { Remove-Item $binOut -Recurse -Force }
Copy-Item $buildOut $binOut -Recurse
Write-Step 'Instrumenting SmimeTools.Engine.dll with sharpfuzz'
Invoke-Native dotnet tool restore
Invoke-Native dotnet sharpfuzz (Join-Path $binOut 'SmimeTools.Engine.dll')

$harness = Join-Path $binOut 'SmimeTools.Fuzz.dll'
# The instrumented engine runs only under afl-fuzz (it writes to AFL's shared map): seeds come from the plain build.
$plainHarness = Join-Path $buildOut 'SmimeTools.Fuzz.dll'
$env:SMIMETOOLS_FUZZ_PKI = $PkiFolder
$env:AFL_SKIP_BIN_CHECK = '1'         # afl-fuzz runs dotnet, which is not instrumented: the engine inside it is
$env:AFL_NO_UI = '1'
$env:AFL_NO_AFFINITY = '1'            # a shared machine: no core to pin to
$env:AFL_SKIP_CPUFREQ = '1'
$env:AFL_AUTORESUME = '1'
$env:AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES = '1'

$index = 0
$summary = foreach ($name in $targets) {
    $runMinutes = $minuteList[[Math]::Min($index++, $minuteList.Count - 1)]
    $work = Join-Path $fuzzOut $name
    $seeds = Join-Path $work 'seeds'
    $findings = Join-Path $work 'findings'
    New-Item -ItemType Directory -Force $seeds, $findings | Out-Null
    Invoke-Native dotnet $plainHarness seeds $name $seeds
    $fromCorpora = 0
    if (Test-Path $corpora) {
        foreach ($pattern in $corpusSeeds[$name]) {
            foreach ($file in Get-ChildItem (Join-Path $corpora $pattern) -File -ErrorAction Ignore | Where-Object Length -le 65536) {
                $flat = ($file.FullName.Substring($corpora.Length + 1)) -replace '[\\/]', '_'
                Copy-Item $file.FullName (Join-Path $seeds $flat)
                $fromCorpora++
            }
        }
    }
    else {
        Write-Warning "No corpora at ${corpora}: $name is seeded with its generated seeds only."
    }

    $budget = @()
    $told = @()
    if ($Executions -gt 0) {
        $budget += '-E', $Executions
        $told += "$Executions executions"
    }
    if ($Executions -le 0 -or $PSBoundParameters.ContainsKey('Minutes')) {
        $budget += '-V', [int][Math]::Max(60, $runMinutes * 60)
        $told += "$runMinutes min"
    }
    Write-Step "Fuzzing $name for $($told -join ' or ') ($fromCorpora seeds from the corpora, the rest generated)"
    & nice -n 19 afl-fuzz -i $seeds -o $findings -t 5000 -m none @budget -- dotnet $harness fuzz $name | Out-File (Join-Path $work 'afl.log')
    $stats = Join-Path $findings 'default/fuzzer_stats'
    if (-not (Test-Path $stats)) {
        Write-Warning "afl-fuzz left no statistics for $name; see $(Join-Path $work 'afl.log')."
        continue
    }
    $values = @{}
    foreach ($line in Get-Content $stats) {
        $key, $value = $line -split '\s*:\s*', 2
        $values[$key.Trim()] = $value.Trim()
    }
    $crashes = @(Get-ChildItem (Join-Path $findings 'default/crashes') -File -ErrorAction Ignore | Where-Object Name -ne 'README.txt')
    $hangs = @(Get-ChildItem (Join-Path $findings 'default/hangs') -File -ErrorAction Ignore)
    [pscustomobject]@{
        Target     = $name
        Executions = [long] $values['execs_done']
        PerSecond  = $values['execs_per_sec']
        Paths      = $values['corpus_count']
        MapCoverage = $values['bitmap_cvg']
        Crashes    = $crashes.Count
        Hangs      = $hangs.Count
    }
    foreach ($file in $crashes + $hangs) { Write-Host "  finding: $($file.FullName)" }
}

$summary | Format-Table -AutoSize | Out-Host
$summary | Export-Csv (Join-Path $fuzzOut 'summary.csv') -NoTypeInformation -Append
Write-Host "Replay a finding: dotnet $plainHarness replay TARGET FILE (it prints the exception or the bound broken)."
