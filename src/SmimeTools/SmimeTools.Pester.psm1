# Should operators for Pester 5 (Should -BeValidSmimeSignature, -BeSmimeSigned, -BeEncryptedTo). SmimeTools never needs
# Pester: the operators are registered with a Pester that is already loaded, or with one loaded later, the first time
# 'Should' is looked up (SmimeTools.Loading.PesterOperatorHook watches for that).

# The Pester module instance the operators were last added to; a re-imported Pester is a new instance and gets them again.
$script:RegisteredWith = $null

function Get-SmimeShouldPath {
    # Message paths from what reaches Should: strings, FileInfo, or results with a Destination or Path (Protect/Unprotect).
    param($Value)
    foreach ($item in @($Value)) {
        if ($null -eq $item) { continue }
        if ($item -is [string]) { $item; continue }
        if ($item -is [System.IO.FileSystemInfo]) { $item.FullName; continue }
        foreach ($name in 'Destination', 'Path', 'FullName') {
            $property = $item.PSObject.Properties[$name]
            if ($property -and $property.Value) { [string] $property.Value; break }
        }
    }
}

function Format-SmimeShouldBecause {
    param($Because)
    if ($Because) { " because $($Because.ToString().TrimStart())" } else { '' }
}

function Test-SmimeShouldValidSignature {
    <#
    .SYNOPSIS
    Asserts that messages (paths, files, Protect/Unprotect results) or Test-SmimeSignature results have only valid
    S/MIME signatures, by -Signer when given; -TrustedRoot, -Crl and -Revocation go to Test-SmimeSignature.
    #>
    param($ActualValue, $Signer, $TrustedRoot, $Crl, $Revocation, [switch] $Negate, $Because)

    $results = [System.Collections.Generic.List[object]]::new()
    $problems = [System.Collections.Generic.List[string]]::new()
    foreach ($item in @($ActualValue)) {
        if ($item -and $item.PSObject.TypeNames -contains 'SmimeTools.Engine.Operations.SignatureResult') {
            $results.Add($item)
        }
    }

    if ($results.Count -eq 0) {
        $arguments = @{}
        if ($null -ne $TrustedRoot) { $arguments.TrustedRoot = $TrustedRoot }
        if ($null -ne $Crl) { $arguments.Crl = $Crl }
        if ($null -ne $Revocation) { $arguments.Revocation = $Revocation }
        foreach ($path in Get-SmimeShouldPath $ActualValue) {
            $errors = $null
            SmimeTools\Test-SmimeSignature -LiteralPath $path @arguments -ErrorAction SilentlyContinue -ErrorVariable errors | ForEach-Object { $results.Add($_) }
            foreach ($record in @($errors)) {
                $problems.Add("$path`: $($record.FullyQualifiedErrorId.Split(',')[0]): $($record.Exception.Message)")
            }
        }
    }

    if ($results.Count -eq 0 -and $problems.Count -eq 0) {
        $problems.Add('nothing to check was given (a message path, a file, or Test-SmimeSignature results)')
    }

    foreach ($result in $results) {
        if (-not $result.IsValid) {
            $codes = @($result.Problems | ForEach-Object { "$($_.Code): $($_.Message)" }) -join '; '
            $problems.Add("$($result.Name): $($result.Status) ($codes)")
        }
    }

    if ($Signer -and $results.Count -gt 0) {
        $wanted = @($Signer | ForEach-Object { if ($_ -is [System.Security.Cryptography.X509Certificates.X509Certificate2]) { $_.Thumbprint } else { [string] $_ } })
        foreach ($who in $wanted) {
            if (-not ($results | Where-Object { $_.SignerEmail -eq $who -or $_.Thumbprint -eq $who })) {
                $problems.Add("no signature is by $who (signed by: $((@($results | ForEach-Object { $_.SignerEmail ?? $_.Signer }) -join ', ')))")
            }
        }
    }

    $valid = $problems.Count -eq 0
    $because = Format-SmimeShouldBecause $Because
    if ($Negate) {
        $message = if ($valid) { "Expected no valid S/MIME signature$(if ($Signer) { " by $($Signer -join ', ')" })$because, but every signature checked out ($(@($results | ForEach-Object { "$($_.Name): $($_.SignerEmail ?? $_.Signer)" }) -join ', '))." }
        return [pscustomobject] @{ Succeeded = -not $valid; FailureMessage = $message }
    }

    $message = if (-not $valid) { "Expected a valid S/MIME signature$(if ($Signer) { " by $($Signer -join ', ')" })$because, but: $($problems -join ' | ')" }
    [pscustomobject] @{ Succeeded = $valid; FailureMessage = $message }
}

function Test-SmimeShouldSigned {
    <#
    .SYNOPSIS
    Asserts that messages carry an S/MIME signature layer that can be seen without keys (valid or not: use
    -BeValidSmimeSignature to judge it). A signature inside an encrypted layer shows once the message is unprotected.
    #>
    param($ActualValue, [switch] $Negate, $Because)

    $paths = @(Get-SmimeShouldPath $ActualValue)
    $unsigned = [System.Collections.Generic.List[string]]::new()
    $signed = [System.Collections.Generic.List[string]]::new()
    foreach ($path in $paths) {
        $errors = $null
        $summary = SmimeTools\Get-SmimeMessage -LiteralPath $path -ErrorAction SilentlyContinue -ErrorVariable errors
        if ($errors) {
            $unsigned.Add("$path`: $($errors[0].FullyQualifiedErrorId.Split(',')[0]): $($errors[0].Exception.Message)")
        }
        elseif ($summary.IsSigned) { $signed.Add("$path ($($summary.Protection))") }
        else { $unsigned.Add("$path`: NotSigned: its protection is $($summary.Protection)") }
    }

    $because = Format-SmimeShouldBecause $Because
    if ($paths.Count -eq 0) {
        return [pscustomobject] @{ Succeeded = $false; FailureMessage = "Expected a message path or file$because, but got '$ActualValue'." }
    }

    if ($Negate) {
        return [pscustomobject] @{ Succeeded = $signed.Count -eq 0; FailureMessage = "Expected no S/MIME signature$because, but signed: $($signed -join ', ')." }
    }

    [pscustomobject] @{ Succeeded = $unsigned.Count -eq 0; FailureMessage = "Expected an S/MIME signed message$because, but $($unsigned -join ' | ')." }
}

function Test-SmimeShouldEncryptedTo {
    <#
    .SYNOPSIS
    Asserts that messages are encrypted to every -Recipient: certificates (matched by issuer serial number or subject key
    identifier) or addresses (matched where a certificate store knows the recipient, as Get-SmimeMessage shows it).
    With -Not: to none of them.
    #>
    param($ActualValue, $Recipient, [switch] $Negate, $Because)

    $paths = @(Get-SmimeShouldPath $ActualValue)
    $because = Format-SmimeShouldBecause $Because
    if ($paths.Count -eq 0 -or $null -eq $Recipient) {
        return [pscustomobject] @{ Succeeded = $false; FailureMessage = "Should -BeEncryptedTo needs a message (path, file or result) and -Recipient (certificates or addresses)." }
    }

    $missing = [System.Collections.Generic.List[string]]::new()
    $present = [System.Collections.Generic.List[string]]::new()
    $unreadable = [System.Collections.Generic.List[string]]::new()
    foreach ($path in $paths) {
        $errors = $null
        $summary = SmimeTools\Get-SmimeMessage -LiteralPath $path -ErrorAction SilentlyContinue -ErrorVariable errors
        if ($errors) {
            $unreadable.Add("$path`: $($errors[0].FullyQualifiedErrorId.Split(',')[0]): $($errors[0].Exception.Message)")
            continue
        }

        $recipients = @($summary.Layers | Where-Object IsEncrypted | ForEach-Object Recipients)
        if ($recipients.Count -eq 0) {
            $missing.Add("$path`: NotEncrypted: its protection is $($summary.Protection)")
            continue
        }

        foreach ($wanted in @($Recipient)) {
            $found = if ($wanted -is [System.Security.Cryptography.X509Certificates.X509Certificate2]) {
                $serial = $wanted.SerialNumber.TrimStart('0')
                $ski = ($wanted.Extensions | Where-Object { $_ -is [System.Security.Cryptography.X509Certificates.X509SubjectKeyIdentifierExtension] }).SubjectKeyIdentifier
                $name = "$($wanted.Subject) (serial $($wanted.SerialNumber))"
                $recipients | Where-Object { ($_.SerialNumber -and $_.SerialNumber.Replace(':', '').TrimStart('0') -eq $serial) -or ($ski -and $_.SubjectKeyIdentifier -and $_.SubjectKeyIdentifier.Replace(':', '') -eq $ski) }
            }
            else {
                $name = [string] $wanted
                $recipients | Where-Object Email -EQ $name
            }

            if ($found) { $present.Add("$path`: $name") } else { $missing.Add("$path`: not encrypted to $name (recipients: $($recipients -join '; '))") }
        }
    }

    # A message that cannot be read says nothing either way; one that is not encrypted is encrypted to nobody.
    if ($Negate) {
        return [pscustomobject] @{ Succeeded = $present.Count -eq 0 -and $unreadable.Count -eq 0; FailureMessage = "Expected no encryption to these recipients$because, but $(@($present) + @($unreadable) -join ' | ')." }
    }

    [pscustomobject] @{ Succeeded = $missing.Count -eq 0 -and $unreadable.Count -eq 0; FailureMessage = "Expected encryption to every recipient$because, but $(@($missing) + @($unreadable) -join ' | ')." }
}

function Register-SmimeShouldOperator {
    # Adds the operators to the loaded Pester 5, once per Pester instance; does nothing without Pester.
    $pester = Get-Module Pester | Where-Object { $_.Version.Major -ge 5 } | Select-Object -First 1
    if (-not $pester -or [object]::ReferenceEquals($pester, $script:RegisteredWith)) {
        return
    }

    $script:RegisteredWith = $pester
    $add = $pester.ExportedCommands['Add-ShouldOperator']
    if (-not $add) { return }
    try {
        & $add -Name BeValidSmimeSignature -Test ${function:Test-SmimeShouldValidSignature} -InternalName Test-SmimeShouldValidSignature -SupportsArrayInput
        & $add -Name BeSmimeSigned -Test ${function:Test-SmimeShouldSigned} -InternalName Test-SmimeShouldSigned -SupportsArrayInput
        & $add -Name BeEncryptedTo -Test ${function:Test-SmimeShouldEncryptedTo} -InternalName Test-SmimeShouldEncryptedTo -SupportsArrayInput
    }
    catch {
        Write-Warning "SmimeTools could not add its Should operators to Pester $($pester.Version): $($_.Exception.Message)"
    }
}

# Nested modules load before the root module: load the cmdlet assembly (where the hook lives) from beside this file now.
Add-Type -Path (Join-Path $PSScriptRoot 'SmimeTools.dll')
Register-SmimeShouldOperator
[SmimeTools.Loading.PesterOperatorHook]::Install($ExecutionContext.InvokeCommand, ${function:Register-SmimeShouldOperator})
$ExecutionContext.SessionState.Module.OnRemove = {
    [SmimeTools.Loading.PesterOperatorHook]::Uninstall($ExecutionContext.InvokeCommand)
}

Export-ModuleMember -Function @()
