/**
 * portscope's one PowerShell script: the TCP and UDP tables and (when `withProcesses`) the process list,
 * printed as one JSON object `{ tcp, udp, processes }` so that PowerShell and CIM start only once. Numbers
 * stay numbers (State as MSFT_NetTCPConnection's number, OwningProcess), so nothing depends on the language
 * of the system. CreationDate is printed as ISO 8601 UTC ("o" format) so that Windows PowerShell 5.1 and
 * PowerShell 7, which serialize dates differently, agree. Output is UTF-8 (command lines in any script).
 * `Remove-TypeData System.Array` keeps Windows PowerShell 5.1 from writing an array as `{"value":[...],"Count":N}`
 * (PowerShell #3222; the parser accepts that form too). `SilentlyContinue` because Get-NetTCPConnection fails when a table is empty; which is also why the script
 * first checks that the cmdlets exist (Windows 8 / Server 2012 and later; Windows 7 with WMF 3-5.1 has
 * ConvertTo-Json but not the NetTCPIP module) and exits 3 without them, instead of printing empty tables.
 */
export function inventoryScript(withProcesses: boolean): string {
  const processes = withProcesses
    ? "@(Get-CimInstance -ClassName Win32_Process -ErrorAction SilentlyContinue | Select-Object ProcessId,Name,CommandLine,ExecutablePath,@{n='CreationDate';e={if ($_.CreationDate) { $_.CreationDate.ToUniversalTime().ToString('o') }}})"
    : '@()';
  return [
    '[Console]::OutputEncoding = [System.Text.Encoding]::UTF8',
    'Remove-TypeData -TypeName System.Array -ErrorAction SilentlyContinue',
    "if (@(Get-Command -Name Get-NetTCPConnection,Get-NetUDPEndpoint -ErrorAction SilentlyContinue).Count -lt 2) { [Console]::Error.WriteLine('Get-NetTCPConnection and Get-NetUDPEndpoint are not available (they need Windows 8 or Server 2012)'); exit 3 }",
    "$tcp = @(Get-NetTCPConnection -ErrorAction SilentlyContinue | Select-Object LocalAddress,LocalPort,RemoteAddress,RemotePort,@{n='State';e={[int]$_.State}},OwningProcess)",
    '$udp = @(Get-NetUDPEndpoint -ErrorAction SilentlyContinue | Select-Object LocalAddress,LocalPort,OwningProcess)',
    `$processes = ${processes}`,
    'ConvertTo-Json -Compress -Depth 3 -InputObject @{ tcp = $tcp; udp = $udp; processes = $processes }',
  ].join('; ');
}

/** A script printing one process's Win32_Process row (ProcessId, CreationDate) as JSON; nothing when it is gone. */
export function processStartScript(pid: number): string {
  return [
    '[Console]::OutputEncoding = [System.Text.Encoding]::UTF8',
    `Get-CimInstance -ClassName Win32_Process -Filter 'ProcessId = ${String(pid)}' -ErrorAction SilentlyContinue | Select-Object ProcessId,@{n='CreationDate';e={$_.CreationDate.ToUniversalTime().ToString('o')}} | ConvertTo-Json -Compress`,
  ].join('; ');
}
