import { describe, expect, it } from 'vitest';
import {
  compileFilter,
  exactLocalPorts,
  mentionsState,
  parseFilter,
  type Owner,
  type Socket,
} from '../../../src/index.js';

function sock(
  name: string,
  fields: Partial<Socket> & Pick<Socket, 'protocol' | 'state'>,
  owners: Partial<Owner>[] = [],
): [string, Socket] {
  const family = fields.family ?? (fields.protocol === 'unix' ? 'unix' : 'inet');
  return [
    name,
    {
      family,
      local: { address: '127.0.0.1', port: 0 },
      peer: { address: '0.0.0.0', port: 0 },
      recvQ: 0,
      sendQ: 0,
      inode: 1,
      uid: 0,
      netns: 100,
      ownerStatus: 'ok',
      ...fields,
      owners: owners.map((o) => ({ pid: 1, fds: [3], command: 'x', uid: 0, ...o })),
    },
  ];
}

const SOCKETS: [string, Socket][] = [
  sock('ssh-listen', { protocol: 'tcp', state: 'LISTEN', local: { address: '0.0.0.0', port: 22 } }, [
    { pid: 10, command: 'sshd', user: 'root', systemdUnit: 'ssh.service' },
  ]),
  sock(
    'ssh-in',
    {
      protocol: 'tcp',
      state: 'ESTABLISHED',
      local: { address: '10.0.0.5', port: 22 },
      peer: { address: '10.0.0.9', port: 50000 },
    },
    [{ pid: 11, command: 'sshd', user: 'root' }],
  ),
  sock('web6', { protocol: 'tcp', family: 'inet6', state: 'LISTEN', uid: 1000, local: { address: '::', port: 8080 } }, [
    { pid: 20, command: 'node', uid: 1000, user: 'dev', cmdline: ['node', 'server.js'] },
  ]),
  sock(
    'mapped',
    {
      protocol: 'tcp',
      family: 'inet6',
      state: 'ESTABLISHED',
      uid: 1000,
      local: { address: '::ffff:127.0.0.1', port: 8080 },
      peer: { address: '::ffff:127.0.0.1', port: 40000 },
    },
    [{ pid: 20, command: 'node', uid: 1000, user: 'dev' }],
  ),
  sock('tw', {
    protocol: 'tcp',
    state: 'TIME_WAIT',
    local: { address: '127.0.0.1', port: 41000 },
    peer: { address: '127.0.0.1', port: 8080 },
    inode: 0,
  }),
  sock('dns', { protocol: 'udp', state: 'UNCONN', local: { address: '127.0.0.53', port: 53 }, netns: 200, uid: 101 }, [
    { pid: 30, uid: 101, command: 'systemd-resolve', container: { runtime: 'docker', id: 'abcdef0123456789' } },
  ]),
  sock('sock', { protocol: 'unix', state: 'LISTEN', local: { address: '/run/docker.sock', port: 0 } }, [
    { pid: 40, command: 'dockerd' },
  ]),
  sock('abstract', { protocol: 'unix', state: 'ESTABLISHED', uid: -1, local: { address: '@dbus-1', port: 0 } }),
];

function select(expression: string): string[] {
  const predicate = compileFilter(parseFilter(expression), {
    users: new Map([
      [0, 'root'],
      [1000, 'dev'],
    ]),
    netnsNames: new Map([['blue', 200]]),
    hostAddresses: (name) => (name === 'localhost' ? ['127.0.0.1'] : []),
  });
  return SOCKETS.filter(([, s]) => predicate(s)).map(([name]) => name);
}

describe('filter expressions select the right sockets', () => {
  it.each([
    ['', ['ssh-listen', 'ssh-in', 'web6', 'mapped', 'tw', 'dns', 'sock', 'abstract']],
    ['state listening', ['ssh-listen', 'web6', 'sock']],
    ['state established', ['ssh-in', 'mapped', 'abstract']],
    ['state connected', ['ssh-in', 'mapped', 'tw', 'abstract']],
    ['state bucket', ['tw']],
    ['state all exclude listening exclude unconnected', ['ssh-in', 'mapped', 'tw', 'abstract']],
    ['state time-wait state closed', ['tw', 'dns']],
    ['sport = :22', ['ssh-listen', 'ssh-in']],
    ['sport == :ssh', ['ssh-listen', 'ssh-in']],
    ['sport eq 22', ['ssh-listen', 'ssh-in']],
    ['sport = :80', []],
    ['sport != :22', ['web6', 'mapped', 'tw', 'dns', 'sock', 'abstract']],
    ['sport > :1024', ['web6', 'mapped', 'tw']],
    ['sport ge :8080 and sport le :8080', ['web6', 'mapped']],
    ['dport = :8080', ['tw']],
    ['sport = inet6::8080', ['web6', 'mapped']],
    ['state established ( dport = :ssh or sport = :ssh )', ['ssh-in']],
    ["state established '( dport = :ssh or sport = :ssh )'".replaceAll("'", ''), ['ssh-in']],
    ['( sport = :22 || sport = :53 ) && ! state listening', ['ssh-in', 'dns']],
    ['not sport = :22 state listening', ['web6', 'sock']],
    ['sport = :22 sport = :22', ['ssh-listen', 'ssh-in']],
    ['src 10.0.0.0/8', ['ssh-in']],
    ['dst 10.0.0.9:50000', ['ssh-in']],
    ['src 127.0.0.1', ['mapped', 'tw']],
    ['src 127.0.0.0/8', ['mapped', 'tw', 'dns']],
    ['src [::]:8080', ['web6']],
    ['src *:22', ['ssh-listen', 'ssh-in']],
    ['src localhost', ['mapped', 'tw']],
    ['src != 127.0.0.0/8 and src *', ['ssh-listen', 'ssh-in', 'web6', 'sock', 'abstract']],
    ['src /run/*.sock', ['sock']],
    ['src unix:@dbus*', ['abstract']],
    ['pid = 20', ['web6', 'mapped']],
    ['pid > 25', ['dns', 'sock']],
    ['user = dev', ['web6', 'mapped']],
    ['user = 1000', ['web6', 'mapped']],
    ['user != root', ['web6', 'mapped', 'dns', 'abstract']],
    ['user = root', ['ssh-listen', 'ssh-in', 'tw', 'sock']],
    ['process ~ ^ssh', ['ssh-listen', 'ssh-in']],
    ["process ~ 'server\\.js'", ['web6']],
    ['process = dockerd', ['sock']],
    ['process !~ d$', ['web6', 'mapped', 'tw', 'dns', 'abstract']],
    ['unit = ssh', ['ssh-listen']],
    ['unit = ssh.*', ['ssh-listen']],
    ['container = abcdef', ['dns']],
    ['netns = blue', ['dns']],
    ['netns = 100 and state listening', ['ssh-listen', 'web6', 'sock']],
    ['( sport = :22 || sport = :53 ) && ! state listening', ['ssh-in', 'dns']],
    ['sport = :8080 exclude established', ['web6']],
  ])('%s', (expression, expected) => {
    expect(select(expression)).toEqual(expected);
  });
});

describe('mentionsState', () => {
  it.each([
    ['state listening', true],
    ['sport = :22 or state listening', true],
    ['not ( sport = :22 and exclude time-wait )', true],
    ['sport = :22 and dport = :80', false],
    ['', false],
  ])('%s -> %s', (expression, expected) => {
    expect(mentionsState(parseFilter(expression))).toBe(expected);
  });
});

describe('invalid filters point at the column', () => {
  it.each([
    ['sport =', 8, 'a port'],
    ['sport = :99999', 9, 'between 0 and 65535'],
    ['sport = :nosuchservice', 9, 'known service name'],
    ['state nonsense', 7, 'a state name'],
    ['sport = :22 and', 16, 'a predicate'],
    ['( sport = :22', 14, '`)`'],
    ['sport = :22 )', 13, 'the end of the expression'],
    ['port = 22', 1, 'a predicate'],
    ['src 300.1.1.1', 5, 'IPv4 or IPv6'],
    ['src 10.0.0.0/33', 5, 'prefix length'],
    ['src [::1', 5, 'an address such as'],
    ['pid = x', 7, 'process id'],
    ['process ~ (', 11, 'regular expression'],
    ["process ~ 'abc", 11, 'Unterminated quote'],
    ['sport = :22 state', 18, 'a state name'],
    ['src = ', 7, 'an address'],
    ['user < root', 6, '`=` or `!=`'],
  ])('%s -> column %i', (expression, column, words) => {
    let caught: unknown;
    try {
      parseFilter(expression);
    } catch (error) {
      caught = error;
    }
    expect(caught).toMatchObject({ code: 'INVALID_FILTER', column });
    expect((caught as Error).message).toContain(words);
    expect((caught as Error).message).not.toContain('\n');
  });

  it('NOT_FOUND for a namespace name that /run/netns does not have', () => {
    expect(() => compileFilter(parseFilter('netns = nope'), { users: new Map(), netnsNames: new Map() })).toThrow(
      expect.objectContaining({ code: 'NOT_FOUND' }),
    );
  });
});

describe('exactLocalPorts', () => {
  it.each([
    ['sport = :80', [80]],
    ['src *:443', [443]],
    ['src 127.0.0.1:22 and state listening', [22]],
    ['state listening sport = :8080', [8080]],
    ['sport = :80 or sport = :80', [80]],
    ['sport = :81 or sport = :80', [80, 81]],
    ['state established ( sport = :22 or sport = :443 or src *:80 )', [22, 80, 443]],
    ['sport = :80 and ( sport = :81 or sport = :82 )', [80]],
    ['sport = :80 or dport = :81', undefined],
    ['sport >= :80', undefined],
    ['dport = :80', undefined],
    ['not sport = :80', undefined],
    ['src != *:80', undefined],
    ['', undefined],
  ])('%j -> %j', (expression, expected) => {
    expect(exactLocalPorts(parseFilter(expression))).toEqual(expected);
  });
});
