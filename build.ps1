# Builds and tests Auralis on Windows (the same steps as build.sh).
#   ./build.ps1          build: Rust core (release), header check, .NET solution, staged CLI
#   ./build.ps1 test     build, then cargo test and dotnet test
#   ./build.ps1 demo     build, then run `auralis demo`
#   ./build.ps1 header   regenerate native/include/auralis.h and src/Auralis.Core/Native/NativeMethods.g.cs
# System packages are not installed automatically on Windows: cargo, dotnet, cbindgen and python must be
# on PATH, and libsndfile-1.dll next to the CLI or on PATH (or AURALIS_SNDFILE_LIB set).
param([string]$Mode = "build")
$ErrorActionPreference = "Stop"
Set-Location $PSScriptRoot
$Config = "Release"

function Fail($message) { Write-Error "build.ps1: error: $message"; exit 1 }
function Step($message) { Write-Host "==> $message" -ForegroundColor Cyan }
function Run($exe, [string[]]$arguments) {
    & $exe @arguments
    if ($LASTEXITCODE -ne 0) { Fail "$exe $($arguments -join ' ') failed with exit code $LASTEXITCODE" }
}

# Windows installs Python as "python"; elsewhere (pwsh on Linux/macOS) it is "python3".
$Python = if (Get-Command python3 -ErrorAction SilentlyContinue) { "python3" } else { "python" }
foreach ($tool in "cargo", "dotnet", "cbindgen", $Python) {
    if (-not (Get-Command $tool -ErrorAction SilentlyContinue)) { Fail "$tool is not on PATH" }
}

function Build-Native {
    Step "cargo build --release (native/)"
    Push-Location native; try { Run cargo @("build", "--release", "--locked", "--quiet") } finally { Pop-Location }
}

function Check-Header {
    $generated = New-TemporaryFile
    Push-Location native
    try { Run cbindgen @("--quiet", "--config", "cbindgen.toml", "--crate", "auralis-native", "--output", $generated.FullName) } finally { Pop-Location }
    if ($Mode -eq "header") { Move-Item -Force $generated.FullName native/include/auralis.h; Step "regenerated native/include/auralis.h"; return }
    $committed = (Get-Content native/include/auralis.h -Raw) -replace "`r`n", "`n"
    $fresh = (Get-Content $generated.FullName -Raw) -replace "`r`n", "`n"
    Remove-Item $generated.FullName
    if ($committed -ne $fresh) { Fail "native/include/auralis.h is out of date with native/src/ffi.rs: run ./build.ps1 header and commit it" }
    Step "C header is current"
}

function Check-Bindings {
    $target = "src/Auralis.Core/Native/NativeMethods.g.cs"
    $generated = New-TemporaryFile
    Run $Python @("tools/gen_native_methods.py", "native/include/auralis.h", $generated.FullName)
    if ($Mode -eq "header") { Move-Item -Force $generated.FullName $target; Step "regenerated $target"; return }
    $committed = (Get-Content $target -Raw) -replace "`r`n", "`n"
    $fresh = (Get-Content $generated.FullName -Raw) -replace "`r`n", "`n"
    Remove-Item $generated.FullName
    if ($committed -ne $fresh) { Fail "$target is out of date with native/include/auralis.h: run ./build.ps1 header and commit it" }
    Step "C# declarations are current"
}

# Nothing may point at documents or paths outside the repository (the pattern is built from
# pieces so that this file does not match it).
function Check-SelfContained {
    $md = "\.md"
    $pattern = "SPEC$md|FINGERPRINT$md|ENVIRONMENT$md|seed" + "s/|\.\./shar" + "ed"
    $skip = '[\\/](bin|obj|node_modules|target|\.git|artifacts)[\\/]'
    $hits = Get-ChildItem -Recurse -File -Force | Where-Object { $_.FullName -notmatch $skip } |
        Select-String -Pattern $pattern -CaseSensitive
    if ($hits) { $hits | ForEach-Object { Write-Host $_ }; Fail "the lines above refer to documents or paths outside the repository" }
    Step "the repository refers to nothing outside itself"
}

function Build-DotNet {
    Step "dotnet build Auralis.sln -c $Config"
    Run dotnet @("build", "Auralis.sln", "-c", $Config, "--nologo", "-v", "quiet", "-clp:ErrorsOnly")
    Step "staging the CLI (artifacts/cli)"
    Run dotnet @("publish", "src/Auralis.Cli", "-c", $Config, "--no-build", "--nologo", "-v", "quiet", "-o", "artifacts/cli")
}

switch ($Mode) {
    "build" { Check-SelfContained; Build-Native; Check-Header; Check-Bindings; Build-DotNet }
    "header" { Check-Header; Check-Bindings }
    "test" {
        Check-SelfContained; Build-Native; Check-Header; Check-Bindings; Build-DotNet
        Step "cargo test --release"
        Push-Location native; try { Run cargo @("test", "--release", "--locked", "--quiet") } finally { Pop-Location }
        Step "dotnet test"
        Run dotnet @("test", "Auralis.sln", "-c", $Config, "--no-build", "--nologo", "-v", "quiet")
    }
    "demo" { Check-SelfContained; Build-Native; Check-Header; Check-Bindings; Build-DotNet; Run "artifacts/cli/auralis.exe" @("demo") }
    default { Fail "unknown mode '$Mode' (use: build, test, demo, header)" }
}
