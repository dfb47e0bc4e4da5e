# Update-SmimeEncryption over a generated archive of 5,000 messages (a folder of .eml files, a Maildir, mbox files) through
# the real cmdlets, and a smaller archive of the same mix killed with SIGKILL ten times and resumed. A few hundred distinct
# messages are made with Protect-SmimeMessage and replicated; each copy keeps the inner bytes its distinct message had when
# decrypted with the old key before the update. SMIMETOOLS_ARCHIVE_SEED repeats a run (the seed is printed).
BeforeDiscovery {
    $script:isUnix = -not $IsWindows
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    Import-Module $ModulePath -Force
    $pki = Get-TestPki
    function Crt([string] $Name) { Join-Path $pki.Folder "$Name.crt" }
    $old = Get-SmimeCertificate -Path (Join-Path $pki.Folder 'rsa2048.p12') -Password $pki.SecurePassword | Where-Object HasPrivateKey
    $new = Get-SmimeCertificate -Path (Join-Path $pki.Folder 'p256.p12') -Password $pki.SecurePassword | Where-Object HasPrivateKey
    $seed = if ($env:SMIMETOOLS_ARCHIVE_SEED) { [int] $env:SMIMETOOLS_ARCHIVE_SEED } else { Get-Random -Minimum 1 -Maximum ([int]::MaxValue) }
    Write-Host "archive seed: $seed (set SMIMETOOLS_ARCHIVE_SEED=$seed to repeat)"
    $rng = [Random]::new($seed)
    $clock = [Diagnostics.Stopwatch]::StartNew()
    function Lap([string] $What) { Write-Host ('  {0,-58} {1,7:n1} s' -f $What, $clock.Elapsed.TotalSeconds); $clock.Restart() }

    $ascii = [Text.Encoding]::Latin1
    function Hash([byte[]] $Bytes) { [Convert]::ToHexString([Security.Cryptography.SHA256]::HashData($Bytes)) }
    # Byte arrays are returned with the comma operator: PowerShell would otherwise unroll them into object arrays.
    function Lf([byte[]] $Bytes) { , $ascii.GetBytes(($ascii.GetString($Bytes) -replace "`r`n", "`n")) }
    function Join-Bytes([byte[]] $First, [byte[]] $Second) {
        $joined = [byte[]]::new($First.Length + $Second.Length)
        [Array]::Copy($First, $joined, $First.Length)
        [Array]::Copy($Second, 0, $joined, $First.Length, $Second.Length)
        , $joined
    }
    function Head([byte[]] $Bytes, [int] $Length) { $cut = [byte[]]::new($Length); [Array]::Copy($Bytes, $cut, $Length); , $cut }
    # Body text: lines of words cut from one long block (made once; a loop per word would be slow in PowerShell).
    $words = 'archive', 'quarterly', 'figures', 'meeting', 'budget', 'contract', 'review', 'travel', 'invoice', 'schedule', 'minutes', 'draft'
    $block = [Text.StringBuilder]::new()
    $line = [Text.StringBuilder]::new()
    for ($w = 0; $block.Length -lt 65536; $w++) {
        [void] $line.Append($words[$rng.Next($words.Count)]).Append(' ')
        if ($line.Length -gt 64) { [void] $block.Append($line.ToString().TrimEnd()).Append("`r`n"); [void] $line.Clear() }
    }
    $block = $block.ToString()
    function Text([int] $Bytes) {
        $text = [Text.StringBuilder]::new()
        while ($text.Length -lt $Bytes) {
            $start = $block.IndexOf("`r`n", $rng.Next($block.Length - 8192)) + 2
            [void] $text.Append($block, $start, [Math]::Min(4096, [Math]::Max(200, $Bytes - $text.Length)))
            $end = $text.ToString().LastIndexOf("`r`n")
            [void] $text.Remove($end + 2, $text.Length - $end - 2)
        }
        $text.ToString()
    }
    function Plain([int] $Number, [int] $Size) {
        $head = "From: Alice Example <alice@example.com>`r`nTo: Bob Example <bob@example.com>`r`nSubject: Archive message $Number`r`n" +
            "Date: Fri, 04 Dec 2026 10:00:00 +0000`r`nMessage-ID: <archive-$Number@example.com>`r`nMIME-Version: 1.0`r`n"
        if ($Size -lt 20000) {
            return $head + "Content-Type: text/plain; charset=utf-8`r`n`r`n" + (Text $Size)
        }
        $attachment = [byte[]]::new($Size)
        $rng.NextBytes($attachment)
        $head + "Content-Type: multipart/mixed; boundary=`"part-$Number`"`r`n`r`n--part-$Number`r`nContent-Type: text/plain; charset=utf-8`r`n`r`n" +
            (Text 2000) + "`r`n--part-$Number`r`nContent-Type: application/octet-stream; name=`"data-$Number.bin`"`r`nContent-Transfer-Encoding: base64`r`n" +
            "Content-Disposition: attachment; filename=`"data-$Number.bin`"`r`n`r`n" + [Convert]::ToBase64String($attachment, 'InsertLineBreaks') + "`r`n--part-$Number--`r`n"
    }

    # ── The distinct messages: made once with the cmdlets ───────────────────────────────────────────────
    # Kind: Update (encrypted to the old key only), Current (already to the new key too), Foreign (others only),
    # Plain (not encrypted), Corrupt (damaged base64 or cut short). Signed: signed inside the envelope.
    $distinctRoot = Join-Path $TestDrive 'distinct'
    $plainFolder = New-Item -ItemType Directory -Force (Join-Path $distinctRoot 'plain')
    $groups = [ordered]@{
        small = @{ Count = 130; Size = { 1000 + $rng.Next(7000) } }
        large = @{ Count = 24; Size = { 50000 + $rng.Next(10000) } }
        huge = @{ Count = 3; Size = { 540000 + $rng.Next(40000) } }
        signed = @{ Count = 30; Size = { 1000 + $rng.Next(5000) } }
        current = @{ Count = 20; Size = { 1000 + $rng.Next(5000) } }
        foreign = @{ Count = 20; Size = { 1000 + $rng.Next(5000) } }
        plain = @{ Count = 15; Size = { 1000 + $rng.Next(5000) } }
        signedonly = @{ Count = 5; Size = { 1000 + $rng.Next(5000) } }
        spoil = @{ Count = 20; Size = { 1000 + $rng.Next(5000) } }
    }
    $number = 0
    foreach ($group in $groups.Keys) {
        $folder = New-Item -ItemType Directory -Force (Join-Path $plainFolder $group)
        foreach ($i in 1..$groups[$group].Count) {
            $number++
            [IO.File]::WriteAllText((Join-Path $folder "$group-$i.eml"), (Plain $number (& $groups[$group].Size)), $ascii)
        }
    }
    $encrypted = New-Item -ItemType Directory -Force (Join-Path $distinctRoot 'encrypted')
    function Protected([string] $Group, [hashtable] $With) {
        $files = Get-ChildItem (Join-Path $plainFolder $Group) -Filter *.eml
        $files | Protect-SmimeMessage @With -Destination $encrypted.FullName | Out-Null
        $files | ForEach-Object { Join-Path $encrypted $_.Name }
    }
    $distinct = [Collections.Generic.List[object]]::new()
    function Add([string] $Name, [byte[]] $Bytes, [string] $Kind, [bool] $Signed = $false, [string] $Id = $null) {
        $distinct.Add([pscustomobject]@{ Name = $Name; Bytes = $Bytes; Kind = $Kind; Signed = $Signed; Id = $Id; Hash = (Hash $Bytes); Inner = $null; Lf = $null })
    }
    foreach ($path in (Protected small @{ To = (Crt rsa2048) }) + (Protected large @{ To = (Crt rsa2048) }) + (Protected huge @{ To = (Crt rsa2048) })) {
        Add (Split-Path $path -Leaf) ([IO.File]::ReadAllBytes($path)) Update
    }
    foreach ($path in Protected signed @{ SignWith = $old; To = (Crt rsa2048) }) { Add (Split-Path $path -Leaf) ([IO.File]::ReadAllBytes($path)) Update $true }
    foreach ($path in Protected current @{ To = (Crt rsa2048), (Crt p256) }) { Add (Split-Path $path -Leaf) ([IO.File]::ReadAllBytes($path)) Current }
    foreach ($path in Protected foreign @{ To = (Crt rsa3072) }) { Add (Split-Path $path -Leaf) ([IO.File]::ReadAllBytes($path)) Foreign -Id NoDecryptionKey }
    foreach ($path in Protected signedonly @{ SignWith = $old }) { Add (Split-Path $path -Leaf) ([IO.File]::ReadAllBytes($path)) Plain -Id NotEncrypted }
    foreach ($file in Get-ChildItem (Join-Path $plainFolder plain)) { Add $file.Name ([IO.File]::ReadAllBytes($file.FullName)) Plain -Id NotEncrypted }
    # Damaged: half cut short inside the base64 body, half with characters of the base64 replaced by one that is not base64.
    $i = 0
    foreach ($path in Protected spoil @{ To = (Crt rsa2048) }) {
        $bytes = [IO.File]::ReadAllBytes($path)
        $body = $ascii.GetString($bytes).IndexOf("`r`n`r`n") + 4
        $length = $bytes.Length - $body
        if ($i++ % 2 -eq 0) {
            $bytes = Join-Bytes (Head $bytes ($body + [int]($length * (0.2 + 0.6 * $rng.NextDouble())))) ([byte[]](13, 10))
            Add ("cut-" + (Split-Path $path -Leaf)) $bytes Corrupt -Id MalformedMessage
        }
        else {
            # One to three base64 characters (never a line end) from where it starts, within its first 30 %.
            $at = $body + [int]($length * 0.3 * $rng.NextDouble())
            $spoilt = 0
            for ($want = $rng.Next(3) + 1; $spoilt -lt $want; $at++) { if ($bytes[$at] -notin 13, 10) { $bytes[$at] = [byte][char]'*'; $spoilt++ } }
            Add ("damaged-" + (Split-Path $path -Leaf)) $bytes Corrupt -Id MalformedMessage
        }
    }
    # Bare LF line ends, for message files (mbox entries are LF anyway).
    foreach ($message in @($distinct | Where-Object { $_.Kind -eq 'Update' -and -not $_.Signed -and $_.Name -like 'small-*' } | Select-Object -First 20)) {
        Add ("lf-" + $message.Name) (Lf $message.Bytes) Update
    }
    Lap "made $($distinct.Count) distinct messages with Protect-SmimeMessage"

    # Each one's form as an mbox entry: LF line ends, a blank line before the next "From " line.
    foreach ($message in $distinct) {
        $lf = Lf $message.Bytes
        $end = if ($lf[-1] -ne 10) { [byte[]](10, 10) } else { [byte[]](10) }
        $message.Lf = [pscustomobject]@{ Bytes = (Join-Bytes $lf $end); Hash = $null; Inner = $null }
        $message.Lf.Hash = Hash $message.Lf.Bytes
    }
    # What the old key opens each encrypted one to, before any update.
    $opening = New-Item -ItemType Directory -Force (Join-Path $distinctRoot 'open')
    $byFile = @{}
    foreach ($message in $distinct | Where-Object Kind -in 'Update', 'Current') {
        $crlf = Join-Path $opening "$($message.Name)"
        $lf = Join-Path $opening "entry-$($message.Name)"
        [IO.File]::WriteAllBytes($crlf, $message.Bytes)
        [IO.File]::WriteAllBytes($lf, $message.Lf.Bytes)
        $byFile[$crlf] = $message
        $byFile[$lf] = $message.Lf
    }
    foreach ($result in Unprotect-SmimeMessage -Path @($byFile.Keys) -Identity $old) { $byFile[$result.Source].Inner = Hash $result.Content }
    Lap "opened the $($byFile.Count) encrypted forms with the old key"

    # ── An archive of $Count copies: 40 % message files, 30 % a Maildir (cur/ and new/), 30 % in three mbox files ──
    # Mostly small messages, some of ~100 KB, a few of ~1 MB. Each copy remembers its distinct message.
    $pools = @{}
    foreach ($prefix in 'small', 'large', 'huge', 'signed', 'current', 'foreign', 'plain', 'signedonly', 'cut', 'damaged', 'lf') {
        $pools[$prefix] = @($distinct | Where-Object Name -like "$prefix-*")
    }
    function Pick {
        $roll = $rng.NextDouble()
        $pool = if ($roll -lt 0.02) { 'large' } elseif ($roll -lt 0.022) { 'huge' } elseif ($roll -lt 0.1) { 'signed' } elseif ($roll -lt 0.16) { 'current' }
            elseif ($roll -lt 0.21) { 'foreign' } elseif ($roll -lt 0.24) { 'plain' } elseif ($roll -lt 0.26) { 'signedonly' } elseif ($roll -lt 0.28) { 'cut' }
            elseif ($roll -lt 0.3) { 'damaged' } elseif ($roll -lt 0.34) { 'lf' } else { 'small' }
        $pools[$pool][$rng.Next($pools[$pool].Count)]
    }
    function New-Archive([string] $Name, [int] $Count) {
        $root = New-Item -ItemType Directory -Force (Join-Path $TestDrive $Name)
        $eml = New-Item -ItemType Directory -Force (Join-Path $root 'eml')
        'cur', 'new', 'tmp' | ForEach-Object { New-Item -ItemType Directory -Force (Join-Path $root "Maildir/$_") | Out-Null }
        $mboxFolder = New-Item -ItemType Directory -Force (Join-Path $root 'mbox')
        $items = [Collections.Generic.List[object]]::new()
        $files = [int]($Count * 0.4)
        $maildir = [int]($Count * 0.3)
        for ($n = 0; $n -lt $files + $maildir; $n++) {
            $message = Pick
            if ($n -lt $files) {
                $path = Join-Path $eml ('{0:d5}.eml' -f $n)
                $item = [pscustomobject]@{ Where = 'eml'; Key = (Split-Path $path -Leaf); Path = $path; Message = $message; Form = $message; Index = 0 }
            }
            else {
                $box = if ($n % 3 -eq 0) { 'new' } else { 'cur' }
                $base = "1764842400.M$($n)P4242.archive"
                # Some names carry their size (S=, as Dovecot and Courier write it), which a rewrite must recompute.
                $sized = if ($n % 2 -eq 0) { ",S=$($message.Bytes.Length)" } else { '' }
                $path = Join-Path $root "Maildir/$box/$base$sized$(if ($box -eq 'cur') { ':2,S' })"
                $item = [pscustomobject]@{ Where = 'maildir'; Key = $base; Path = $path; Message = $message; Form = $message; Index = 0 }
            }
            [IO.File]::WriteAllBytes($path, $message.Bytes)
            $items.Add($item)
        }
        Lap "wrote $($files + $maildir) message files and Maildir messages"
        $entries = $Count - $files - $maildir
        foreach ($box in 1..3) {
            $path = Join-Path $mboxFolder "archive-$box.mbox"
            $stream = [IO.File]::Create($path)
            try {
                $share = [int][Math]::Ceiling($entries / 3)
                for ($e = 1; $e -le $share -and $items.Count -lt $Count; $e++) {
                    $message = Pick
                    $from = $ascii.GetBytes("From alice@example.com Fri Dec  4 10:00:$('{0:d2}' -f ($e % 60)) 2026`n")
                    $stream.Write($from)
                    $stream.Write($message.Lf.Bytes)
                    $items.Add([pscustomobject]@{ Where = 'mbox'; Key = "archive-$box.mbox"; Path = $path; Message = $message; Form = $message.Lf; Index = $e })
                }
            }
            finally { $stream.Dispose() }
        }
        Lap "wrote $entries mbox entries"
        [pscustomobject]@{ Root = $root.FullName; Items = $items }
    }

    # The entries of an mbox file as written: each "From " line's offset and the bytes up to the next one.
    function Split-Mbox([string] $Path) {
        $bytes = [IO.File]::ReadAllBytes($Path)
        $starts = [Collections.Generic.List[int]]::new()
        $starts.Add(0)
        $text = $ascii.GetString($bytes)
        $at = 0
        while (($at = $text.IndexOf("`nFrom ", $at, [StringComparison]::Ordinal)) -ge 0) { $at++; $starts.Add($at) }
        for ($k = 0; $k -lt $starts.Count; $k++) {
            $start = $starts[$k]
            $end = if ($k + 1 -lt $starts.Count) { $starts[$k + 1] } else { $bytes.Length }
            $body = $text.IndexOf("`n", $start) + 1
            $entry = [byte[]]::new($end - $body)
            [Array]::Copy($bytes, $body, $entry, 0, $entry.Length)
            [pscustomobject]@{ Index = $k + 1; Offset = $start; Bytes = $entry }
        }
    }

    # What an archive holds now: every item with its current bytes (message files, Maildir messages by their unique name,
    # mbox entries cut at their "From " lines), checked against what it should be, with the failures listed.
    function Get-ArchiveState($Archive) {
        $maildirNow = @{}
        foreach ($file in Get-ChildItem (Join-Path $Archive.Root 'Maildir/cur'), (Join-Path $Archive.Root 'Maildir/new') -File) {
            $maildirNow[($file.Name -split '[:,]')[0]] = $file.FullName
        }
        $mboxNow = @{}
        foreach ($file in Get-ChildItem (Join-Path $Archive.Root 'mbox') -Filter *.mbox) { $mboxNow[$file.Name] = @(Split-Mbox $file.FullName) }
        $opened = Join-Path $TestDrive ('opened-' + [guid]::NewGuid().ToString('n').Substring(0, 8))
        New-Item -ItemType Directory $opened | Out-Null
        foreach ($item in $Archive.Items) {
            $now = switch ($item.Where) {
                'eml' { $item.Path }
                'maildir' { $maildirNow[$item.Key] }
                'mbox' {
                    $entry = $mboxNow[$item.Key][$item.Index - 1]
                    $extracted = Join-Path $opened ("{0}-{1:d4}.eml" -f $item.Key, $item.Index)
                    [IO.File]::WriteAllBytes($extracted, $entry.Bytes)
                    $extracted
                }
            }
            $item | Add-Member -Force -NotePropertyName Now -NotePropertyValue $now
            $item | Add-Member -Force -NotePropertyName NowHash -NotePropertyValue (Hash ([IO.File]::ReadAllBytes($now)))
        }
        Lap 'read every message back'
        $updatable = @($Archive.Items | Where-Object { $_.Message.Kind -eq 'Update' })
        $inner = @{}
        foreach ($result in Unprotect-SmimeMessage -Path @($updatable.Now) -Identity $new -ErrorAction SilentlyContinue -ErrorVariable failed) {
            $inner[$result.Source] = $result
        }
        [pscustomobject]@{ Items = $Archive.Items; Updatable = $updatable; Opened = $inner; OpenFailures = @($failed); Mbox = $mboxNow }
    }

    function Journal-Lines([string] $Folder) {
        $path = Join-Path $Folder '.smimetools-update.journal'
        if (-not (Test-Path $path)) { return @() }
        @(Get-Content $path | Where-Object { $_ -like "done`t*" } | ForEach-Object { [Uri]::UnescapeDataString(($_ -split "`t")[1]) })
    }
    function Leftovers([string] $Root) {
        @(Get-ChildItem $Root -Recurse -Force -File | Where-Object { $_.Name -like '*.tmp' -or $_.Name -like '*.smimetools-*' -or $_.Name -like '*.lock' } |
            Where-Object Name -ne '.smimetools-update.journal' |
            ForEach-Object FullName)
    }
}

Describe 'Update-SmimeEncryption on a generated archive' {
    Context '5,000 messages in message files, a Maildir and mbox files' {
        BeforeAll {
            $archive = New-Archive 'archive' 5000
            $bytesBefore = ($archive.Items | ForEach-Object { $_.Form.Bytes.Length } | Measure-Object -Sum).Sum
            Lap ("wrote the archive: {0} messages, {1:n1} MB" -f $archive.Items.Count, ($bytesBefore / 1MB))
            $summary = Update-SmimeEncryption -Path $archive.Root -Recurse -To (Crt p256) -Identity $old -ThrottleLimit 2 -ErrorAction SilentlyContinue -ErrorVariable problems
            Lap ("Update-SmimeEncryption: {0} updated, {1} skipped, {2} failed in {3:n1} s" -f $summary.Updated, $summary.Skipped, $summary.Failed, $summary.Duration.TotalSeconds)
            $state = Get-ArchiveState $archive
            Lap 'read the archive back and opened every updated message with the new key'
            $kinds = $archive.Items | Group-Object { $_.Message.Kind } -AsHashTable -AsString
        }

        It 'holds every kind of message in every format' {
            foreach ($where in 'eml', 'maildir', 'mbox') {
                $here = @($archive.Items | Where-Object Where -eq $where)
                foreach ($kind in 'Update', 'Current', 'Foreign', 'Plain', 'Corrupt') {
                    @($here | Where-Object { $_.Message.Kind -eq $kind }).Count | Should -BeGreaterThan 0 -Because "$where should hold $kind messages"
                }
                @($here | Where-Object { $_.Message.Signed }).Count | Should -BeGreaterThan 0
            }
            @($archive.Items | Where-Object { $_.Message.Name -like 'huge-*' }).Count | Should -BeGreaterThan 0
            @($archive.Items | Where-Object { $_.Message.Name -like 'lf-*' -and $_.Where -ne 'mbox' }).Count | Should -BeGreaterThan 0
            $archive.Items.Count | Should -Be 5000
        }

        It 'counts in its summary what the archive is made of' {
            $summary.Updated | Should -Be $kinds['Update'].Count
            $summary.Skipped | Should -Be $kinds['Current'].Count
            $summary.Failed | Should -Be ($kinds['Foreign'].Count + $kinds['Plain'].Count + $kinds['Corrupt'].Count)
            $summary.KeysUsed.Values | Should -Be $kinds['Update'].Count
        }

        It 'reports each message it could not update with its error ID' {
            $ids = $problems | Group-Object { ($_.FullyQualifiedErrorId -split ',')[0] } -AsHashTable -AsString
            $expected = $archive.Items | Where-Object { $_.Message.Id } | Group-Object { $_.Message.Id } -AsHashTable -AsString
            # A damaged message is MalformedMessage, or DecryptionFailed where the damage hit the encrypted content key.
            $damaged = $expected['MalformedMessage'].Count
            @($ids.Keys) | Should -BeIn 'DecryptionFailed', 'MalformedMessage', 'NoDecryptionKey', 'NotEncrypted'
            $ids['NoDecryptionKey'].Count | Should -Be $expected['NoDecryptionKey'].Count
            $ids['NotEncrypted'].Count | Should -Be $expected['NotEncrypted'].Count
            ($ids['MalformedMessage'].Count + $(if ($ids['DecryptionFailed']) { $ids['DecryptionFailed'].Count } else { 0 })) | Should -Be $damaged
        }

        It 'gives every encrypted message to the new key, its inner entity byte for byte as before' {
            $state.OpenFailures | Should -BeNullOrEmpty
            $wrong = @($state.Updatable | Where-Object { -not $state.Opened[$_.Now] -or (Hash $state.Opened[$_.Now].Content) -ne $_.Form.Inner })
            $wrong.Count | Should -Be 0 -Because "these differ: $(($wrong | Select-Object -First 5 | ForEach-Object { "$($_.Where) $($_.Key) #$($_.Index)" }) -join ', ')"
            @($state.Updatable | Where-Object { $_.NowHash -eq $_.Form.Hash }) | Should -BeNullOrEmpty
        }

        It 'finds the mbox entries where Get-SmimeMessage says they are' {
            foreach ($box in $state.Mbox.Keys) {
                $path = Join-Path $archive.Root "mbox/$box"
                $summaries = @(Get-SmimeMessage -Path $path -ErrorAction SilentlyContinue)
                $summaries.Count | Should -BeGreaterThan 0
                foreach ($s in $summaries) {
                    $entry = $state.Mbox[$box][$s.Index - 1]
                    $s.Offset | Should -Be $entry.Offset
                    $next = if ($s.Index -lt $state.Mbox[$box].Count) { $state.Mbox[$box][$s.Index].Offset } else { (Get-Item $path).Length }
                    ($s.Offset + $s.Size) | Should -BeLessOrEqual $next
                }
                $items = @($archive.Items | Where-Object Key -eq $box)
                $state.Mbox[$box].Count | Should -Be $items.Count
                foreach ($s in $summaries | Where-Object { $items[$_.Index - 1].Message.Kind -eq 'Update' }) {
                    $s.Layers[0].Recipients.Count | Should -Be 2
                }
            }
        }

        It 'keeps the signature inside the envelope: the decrypted layer is multipart/signed, and it still verifies' {
            $signed = @($state.Updatable | Where-Object { $_.Message.Signed })
            $signed.Count | Should -BeGreaterThan 0
            foreach ($item in $signed) {
                $state.Opened[$item.Now].ContentType | Should -Be 'multipart/signed'
                @($state.Opened[$item.Now].Layers.Kind) | Should -Be @('Enveloped')
            }
            # Every copy's inner bytes were compared above; one copy of each signed message in each format is verified.
            $verified = @($signed | Group-Object Where, { $_.Message.Name } | ForEach-Object { $_.Group[0] })
            $results = @(Test-SmimeSignature -Path @($verified.Now) -Identity $new -TrustedRoot (Join-Path $pki.Folder 'root.crt') -Revocation None)
            $results.Count | Should -Be $verified.Count
            @($results | Where-Object Status -ne 'Valid') | Should -BeNullOrEmpty
        }

        It 'leaves byte for byte what it skipped or could not update' {
            $touched = @($archive.Items | Where-Object { $_.Message.Kind -ne 'Update' -and $_.NowHash -ne $_.Form.Hash })
            $touched.Count | Should -Be 0 -Because "these changed: $(($touched | Select-Object -First 5 | ForEach-Object { "$($_.Where) $($_.Key) #$($_.Index) ($($_.Message.Kind))" }) -join ', ')"
            # Maildir names of untouched messages are kept too; those of rewritten ones keep flags and get their new size.
            foreach ($item in $archive.Items | Where-Object { $_.Where -eq 'maildir' -and $_.Message.Kind -ne 'Update' }) { $item.Now | Should -Be $item.Path }
            $sized = @($state.Updatable | Where-Object { $_.Where -eq 'maildir' -and $_.Path -match ',S=' })
            $sized.Count | Should -BeGreaterThan 0
            foreach ($item in $sized) {
                (Split-Path $item.Now -Leaf) -replace ',S=\d+', '' | Should -Be ((Split-Path $item.Path -Leaf) -replace ',S=\d+', '')
                [long]([regex]::Match($item.Now, ',S=(\d+)').Groups[1].Value) | Should -Be (Get-Item -LiteralPath $item.Now).Length
            }
        }

        It 'journals each rewrite once and leaves no temporary file or lock' {
            $files = Journal-Lines (Join-Path $archive.Root 'eml')
            $maildir = Journal-Lines (Join-Path $archive.Root 'Maildir')
            $mbox = Journal-Lines (Join-Path $archive.Root 'mbox')
            $files.Count | Should -Be @($state.Updatable | Where-Object Where -eq 'eml').Count
            $maildir.Count | Should -Be @($state.Updatable | Where-Object Where -eq 'maildir').Count
            $mbox.Count | Should -Be 3
            @($files + $maildir + $mbox | Group-Object | Where-Object Count -gt 1) | Should -BeNullOrEmpty
            Leftovers $archive.Root | Should -BeNullOrEmpty
            Get-ChildItem (Join-Path $archive.Root 'Maildir/tmp') -Force | Should -BeNullOrEmpty
        }

        It 'names in each error the message it is about' {
            # Each error record of a folder names the folder; the message file (or mbox entry) must be told apart from the
            # thousands of others, in the error's target or its text.
            $problems.Count | Should -BeGreaterThan 0
            $unnamed = @($problems | Where-Object {
                    $named = "$($_.Exception.Target) $($_.Exception.Message)"
                    $target = "$($_.TargetObject)"
                    -not ($named -match '\.eml|Maildir/(cur|new)/|\.mbox' -or $target -match '\.eml$|Maildir/(cur|new)/|\.mbox$')
                })
            $ids = ($unnamed | Group-Object { ($_.FullyQualifiedErrorId -split ',')[0] } | ForEach-Object { "$($_.Name) x$($_.Count)" }) -join ', '
            $unnamed.Count | Should -Be 0 -Because "these errors name no message ($ids), e.g. '$($unnamed[0].Exception.Message)' with target '$($unnamed[0].TargetObject)'"
        }
    }
    Context 'a job of 500 messages killed with SIGKILL ten times, then run to the end' -Skip:(-not $isUnix) {
        BeforeAll {
            # The same mix as above on a smaller archive, so that ten restarts of a child PowerShell fit in the time.
            Lap 'the checks above'
            $archive = New-Archive 'killed' 500
            $marker = Join-Path $TestDrive 'child-started'
            $child = Join-Path $TestDrive 'update-job.ps1'
            Set-Content $child @"
Import-Module '$ModulePath'
`$old = Get-SmimeCertificate -Path '$(Join-Path $pki.Folder 'rsa2048.p12')' -Password (ConvertTo-SecureString '$($pki.password)' -AsPlainText -Force) | Where-Object HasPrivateKey
Set-Content '$marker' 'started'
Update-SmimeEncryption -Path '$($archive.Root)' -Recurse -To '$(Crt p256)' -Identity `$old -ThrottleLimit 2 -ErrorAction SilentlyContinue | Out-Null
"@
            $command = Get-PwshCommand
            $killRng = [Random]::new($seed)
            $boxes = @(Get-ChildItem (Join-Path $archive.Root 'mbox') -Filter *.mbox | ForEach-Object FullName)
            # Odd kills come at moments drawn from a window after the child is ready to work; the window grows while kills come
            # before any progress (a loaded machine) and shrinks once a run finishes before its kill. Even kills come once the
            # journal has grown (see below).
            $window = 500
            $progress = 0
            $journaled = 0
            $kills = foreach ($k in 1..10) {
                Remove-Item $marker -ErrorAction Ignore
                $process = Start-Process -FilePath $command[0] -ArgumentList (@($command | Select-Object -Skip 1) + @('-NoProfile', '-NonInteractive', '-File', $child)) -PassThru `
                    -RedirectStandardOutput (Join-Path $TestDrive "child-$k.out") -RedirectStandardError (Join-Path $TestDrive "child-$k.err")
                $deadline = [DateTime]::UtcNow.AddSeconds(60)
                while (-not $process.HasExited -and -not (Test-Path $marker) -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 10 }
                $started = [Diagnostics.Stopwatch]::StartNew()
                if ($k % 2 -eq 0) {
                    # Every other kill waits until the journal has grown by a random 1 to 32 lines (a batch or two): however
                    # fast the machine, that job is stopped in the middle of its work, not before it or after it.
                    $target = $journaled + $killRng.Next(1, 33)
                    while (-not $process.HasExited -and [DateTime]::UtcNow -lt $deadline -and
                        ((Journal-Lines (Join-Path $archive.Root 'eml')).Count + (Journal-Lines (Join-Path $archive.Root 'Maildir')).Count) -lt $target) {
                        Start-Sleep -Milliseconds 5
                    }
                }
                else {
                    Start-Sleep -Milliseconds $killRng.Next(0, $window)
                }

                $delay = [int] $started.ElapsedMilliseconds
                $killed = -not $process.HasExited
                if ($killed) { & kill -9 $process.Id }
                $process.WaitForExit()
                # A SIGKILL while the job holds an mbox leaves its dot-lock behind; the next run takes it over (it is ours, and
                # its process is gone), so it is counted here and left in place.
                $locks = @($boxes | ForEach-Object { "$_.lock" } | Where-Object { Test-Path $_ })
                $line = [pscustomobject]@{
                    Run = $k; Window = $window; DelayMs = $delay; Killed = $killed
                    Journaled = (Journal-Lines (Join-Path $archive.Root 'eml')).Count + (Journal-Lines (Join-Path $archive.Root 'Maildir')).Count
                    MboxDone = (Journal-Lines (Join-Path $archive.Root 'mbox')).Count; Leftovers = (Leftovers $archive.Root).Count; StaleLocks = $locks.Count
                }
                Write-Host ("  kill {0,2}: +{1,5} ms (window {2,5}) after start, killed {3,-5}, journal {4,3} files {5} mbox, {6} leftovers, {7} stale locks" -f
                    $line.Run, $line.DelayMs, $line.Window, $line.Killed, $line.Journaled, $line.MboxDone, $line.Leftovers, $line.StaleLocks)
                $line
                $now = $line.Journaled + $line.MboxDone + $line.StaleLocks
                if ($k % 2 -ne 0) {
                    if (-not $killed) { $window = [Math]::Max(250, [int]($window / 2)) }
                    elseif ($now -le $progress) { $window = [Math]::Min(16000, $window * 2) }
                }

                $progress = $line.Journaled + $line.MboxDone
                $journaled = $line.Journaled
            }
            Lap "killed the job ten times (kill moments from seed $seed)"

            # What the last run has left to do: files not rewritten yet, and mbox files neither done nor waiting for their copy.
            foreach ($item in $archive.Items | Where-Object Where -ne 'mbox') {
                $path = if ($item.Where -eq 'maildir') { @(Get-ChildItem (Join-Path $archive.Root 'Maildir') -Recurse -File -Filter "$($item.Key)*")[0].FullName } else { $item.Path }
                $item | Add-Member -Force -NotePropertyName BeforeLast -NotePropertyValue (Hash ([IO.File]::ReadAllBytes($path)))
            }
            # Each mbox file's state from its journal lines: 'done', 'partial' (done but for messages it could not update, listed
            # in the line's seventh field), 'swap' (its copy over the old mbox is to be finished), 'mbox' (only messages' progress).
            $mboxJournal = Join-Path $archive.Root 'mbox/.smimetools-update.journal'
            $mboxState = @{}
            $mboxRetry = @{}
            $mboxLines = @{}
            if (Test-Path $mboxJournal) {
                foreach ($line in Get-Content $mboxJournal) {
                    $fields = $line -split "`t"
                    if ($fields.Count -lt 2) { continue }
                    $name = ([Uri]::UnescapeDataString($fields[1]) -split '/mbox:')[-1]
                    switch ($fields[0]) {
                        'done' {
                            $mboxState[$name] = if ($fields.Count -eq 7) { 'partial' } else { 'done' }
                            $mboxRetry[$name] = if ($fields.Count -eq 7) { @($fields[6] -split ',' | ForEach-Object { [int] $_ }) } else { @() }
                        }
                        'swap' { $mboxState[$name] = 'swap' }
                        'mbox' {
                            if (-not $mboxState[$name]) { $mboxState[$name] = 'mbox' }
                            if (-not $mboxLines[$name]) { $mboxLines[$name] = [Collections.Generic.List[object]]::new() }
                            $mboxLines[$name].Add($fields)
                        }
                    }
                }
            }
            Write-Host "  mbox files before the last run: $(($boxes | ForEach-Object { $name = Split-Path $_ -Leaf; "$name $(if ($mboxState[$name]) { $mboxState[$name] } else { 'not done' })" }) -join ', ')"
            $expected = @{ Updated = 0; Skipped = 0; Failed = 0 }
            foreach ($item in $archive.Items | Where-Object Where -ne 'mbox') {
                switch ($item.Message.Kind) {
                    'Update' { if ($item.BeforeLast -eq $item.Form.Hash) { $expected.Updated++ } else { $expected.Skipped++ } }
                    'Current' { $expected.Skipped++ }
                    default { $expected.Failed++ }
                }
            }
            # A done mbox counts as one skipped; one whose copy is to be finished reports nothing. A partly done one passes over
            # the messages done and tries the others again (with the same key, they fail again). One the last run goes on with
            # (only progress lines) reports the messages an earlier run rewrote into its new content as skipped: those of the
            # journal's last unbroken run of progress lines (a line numbering a message no later than the one before starts a
            # new run, as the journal reads it).
            $resumed = 0
            foreach ($box in $boxes) {
                $name = Split-Path $box -Leaf
                if ($mboxState[$name] -eq 'done') { $expected.Skipped++; continue }
                if ($mboxState[$name] -eq 'swap') { continue }
                if ($mboxState[$name] -eq 'partial') {
                    foreach ($item in $archive.Items | Where-Object Key -eq $name) {
                        if ($item.Index -in $mboxRetry[$name]) { $expected.Failed++ } else { $expected.Skipped++ }
                    }
                    continue
                }
                $written = @{}
                if ($mboxState[$name] -eq 'mbox') {
                    $resumed++
                    $last = 0
                    foreach ($fields in $mboxLines[$name] | Where-Object { $_.Count -eq 8 }) {
                        if ([int] $fields[3] -le $last) { $written = @{} }
                        $last = [int] $fields[3]
                        $written[$last] = $fields[7]
                    }
                }
                foreach ($item in $archive.Items | Where-Object Key -eq $name) {
                    switch ($item.Message.Kind) {
                        'Update' { if ($written[$item.Index] -eq 'Updated') { $expected.Skipped++ } else { $expected.Updated++ } }
                        'Current' { $expected.Skipped++ }
                        default { $expected.Failed++ }
                    }
                }
            }
            $summary = Update-SmimeEncryption -Path $archive.Root -Recurse -To (Crt p256) -Identity $old -ThrottleLimit 2 -ErrorAction SilentlyContinue -ErrorVariable problems
            Lap ("the last run: {0} updated, {1} skipped, {2} failed in {3:n1} s" -f $summary.Updated, $summary.Skipped, $summary.Failed, $summary.Duration.TotalSeconds)
            $state = Get-ArchiveState $archive
            Lap 'read the archive back and opened every updated message with the new key'
        }

        It 'was stopped in the middle of its work' {
            # At least one kill came after some messages were done and before all were.
            $total = @($archive.Items | Where-Object { $_.Where -ne 'mbox' -and $_.Message.Kind -eq 'Update' }).Count
            @($kills | Where-Object { $_.Killed -and (($_.Journaled -gt 0 -and $_.Journaled -lt $total) -or $_.StaleLocks -gt 0) }).Count | Should -BeGreaterThan 0
        }

        It 'opens every encrypted message with the new key, its inner entity byte for byte as before' {
            $state.OpenFailures | Should -BeNullOrEmpty
            $wrong = @($state.Updatable | Where-Object { -not $state.Opened[$_.Now] -or (Hash $state.Opened[$_.Now].Content) -ne $_.Form.Inner })
            $wrong.Count | Should -Be 0 -Because "these differ: $(($wrong | Select-Object -First 5 | ForEach-Object { "$($_.Where) $($_.Key) #$($_.Index)" }) -join ', ')"
            $signed = @($state.Updatable | Where-Object { $_.Message.Signed })
            @(Test-SmimeSignature -Path @($signed.Now) -Identity $new -TrustedRoot (Join-Path $pki.Folder 'root.crt') -Revocation None | Where-Object Status -eq 'Valid').Count |
                Should -Be $signed.Count
        }

        It 'leaves byte for byte what it skipped or could not update' {
            @($archive.Items | Where-Object { $_.Message.Kind -ne 'Update' -and $_.NowHash -ne $_.Form.Hash }) | Should -BeNullOrEmpty
        }

        It 'rewrites no message twice' {
            # Once to the new key, never twice: two recipients each, what was rewritten before the last run is as it was,
            # and the journal has one line for each message file and each mbox file.
            @($state.Updatable | Where-Object { @($state.Opened[$_.Now].Layers[0].Recipients).Count -ne 2 }) | Should -BeNullOrEmpty
            @($archive.Items | Where-Object { $_.Where -eq 'eml' -and $_.Message.Kind -eq 'Update' -and $_.BeforeLast -ne $_.Form.Hash -and $_.NowHash -ne $_.BeforeLast }) |
                Should -BeNullOrEmpty
            $lines = @(Journal-Lines (Join-Path $archive.Root 'eml')) + @(Journal-Lines (Join-Path $archive.Root 'Maildir')) + @(Journal-Lines (Join-Path $archive.Root 'mbox'))
            @($lines | Group-Object | Where-Object Count -gt 1) | Should -BeNullOrEmpty
            @(Journal-Lines (Join-Path $archive.Root 'mbox')).Count | Should -Be 3
        }

        It 'counts in the last summary what was left to do' {
            Write-Host ("  last run: {0} updated, {1} skipped, {2} failed; expected {3}, {4}, {5}; {6} mbox resumed; errors: {7}" -f $summary.Updated, $summary.Skipped,
                $summary.Failed, $expected.Updated, $expected.Skipped, $expected.Failed, $resumed,
                (($problems | Group-Object { ($_.FullyQualifiedErrorId -split ',')[0] } | ForEach-Object { "$($_.Name) x$($_.Count)" }) -join ', '))
            $summary.Failed | Should -Be $expected.Failed
            $summary.Skipped | Should -Be $expected.Skipped
            $summary.Updated | Should -Be $expected.Updated
        }

        It 'leaves no temporary file, snapshot or lock behind' {
            Leftovers $archive.Root | Should -BeNullOrEmpty
            Get-ChildItem (Join-Path $archive.Root 'Maildir/tmp') -Force | Should -BeNullOrEmpty
        }
    }

    Context 'a job killed while it works on an mbox file' -Skip:(-not $isUnix) {
        BeforeAll {
            # One mbox of 40 messages of ~100 KB, so the child is surely killed while it holds the lock and its snapshot.
            $folder = New-Item -ItemType Directory -Force (Join-Path $TestDrive 'mbox-killed')
            $box = Join-Path $folder 'big.mbox'
            $stream = [IO.File]::Create($box)
            foreach ($e in 1..40) {
                $stream.Write($ascii.GetBytes("From alice@example.com Fri Dec  4 10:00:00 2026`n"))
                $stream.Write($pools['large'][$e % $pools['large'].Count].Lf.Bytes)
            }
            $stream.Dispose()
            $marker = Join-Path $TestDrive 'mbox-child-started'
            $child = Join-Path $TestDrive 'mbox-job.ps1'
            Set-Content $child @"
Import-Module '$ModulePath'
`$old = Get-SmimeCertificate -Path '$(Join-Path $pki.Folder 'rsa2048.p12')' -Password (ConvertTo-SecureString '$($pki.password)' -AsPlainText -Force) | Where-Object HasPrivateKey
Set-Content '$marker' 'started'
Update-SmimeEncryption -Path '$box' -To '$(Crt p256)' -Identity `$old | Out-Null
"@
            $command = Get-PwshCommand
            $process = Start-Process -FilePath $command[0] -ArgumentList (@($command | Select-Object -Skip 1) + @('-NoProfile', '-NonInteractive', '-File', $child)) -PassThru `
                -RedirectStandardOutput (Join-Path $TestDrive 'mbox-child.out') -RedirectStandardError (Join-Path $TestDrive 'mbox-child.err')
            # Killed once it has taken the lock and written part of the new mbox beside the old.
            $deadline = [DateTime]::UtcNow.AddSeconds(90)
            while (-not $process.HasExited -and -not (Test-Path (Join-Path $folder '.big.mbox.smimetools-new')) -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 5 }
            $killedInMbox = -not $process.HasExited -and (Test-Path "$box.lock")
            & kill -9 $process.Id
            $process.WaitForExit()
            $leftAfterKill = @(Get-ChildItem $folder -Force -File | Where-Object Name -ne 'big.mbox' | ForEach-Object Name)
            Write-Host "  killed while working on the mbox: $killedInMbox; left: $($leftAfterKill -join ', ')"
            $rerun = Update-SmimeEncryption -Path $box -To (Crt p256) -Identity $old -ErrorAction SilentlyContinue -ErrorVariable rerunProblems
            Write-Host "  the run after the kill: $($rerun.Updated) updated; errors: $(($rerunProblems | ForEach-Object { ($_.FullyQualifiedErrorId -split ',')[0] }) -join ', ')"
            # A further run finds the mbox done.
            $final = Update-SmimeEncryption -Path $box -To (Crt p256) -Identity $old
            $left = @(Get-ChildItem $folder -Force -File | Where-Object { $_.Name -notin 'big.mbox', '.smimetools-update.journal' } | ForEach-Object Name)
        }

        It 'was killed while it held the mbox' {
            $killedInMbox | Should -BeTrue
        }

        It 'updates every message of the mbox in the end' {
            # The run after the kill finishes the mbox; messages the killed run already wrote into the new content are
            # reported as skipped there. A further run finds the whole mbox done.
            ($rerun.Updated + $rerun.Skipped) | Should -Be 40
            $rerun.Failed | Should -Be 0
            $final.Updated | Should -Be 0
            $final.Failed | Should -Be 0
            @(Get-SmimeMessage -Path $box | Where-Object { $_.Layers[0].Recipients.Count -eq 2 }).Count | Should -Be 40
        }

        It 'resumes the mbox on the next run without anyone removing the killed run''s lock' {
            # The dot-lock holds the process ID of the killed run, which no longer runs on this machine (stale by liblockfile's rule).
            @($rerunProblems | Where-Object { $_.FullyQualifiedErrorId -like 'MailboxLocked,*' }) | Should -BeNullOrEmpty
            $rerunProblems | Should -BeNullOrEmpty
            Test-Path "$box.lock" | Should -BeFalse
        }

        It 'leaves no snapshot or scratch file of the killed run beside the mbox' {
            $left | Should -BeNullOrEmpty
        }
    }
}
