// Help texts: the runner's (with every task) and one task's, listing the options from the specs
// the parser reads (GLOBAL_OPTIONS, taskArgSpecs), so what --help shows is what is accepted.
import { optionLabel } from '../../sdk/cli/args.js';
import type { Task } from '../task/define-task.js';
import { GLOBAL_OPTIONS } from './global-options.js';
import { taskArgSpecs } from './task-options.js';

function columns(rows: [string, string][]): string[] {
  const width = Math.max(...rows.map(([left]) => left.length));
  return rows.map(([left, right]) => `  ${left.padEnd(width)}  ${right}`);
}

export function mainHelp(tasks: readonly Task[], version: string): string {
  return [
    `cloudlet-tasks ${version}: run tasks on many Linux hosts over SSH`,
    '',
    'usage: cloudlet-tasks [options] TASK [task options] [-- words]',
    '   eg: cloudlet-tasks -H ops@web1,web2 run -- uptime',
    '       cloudlet-tasks -i lab.yml facts',
    '       cloudlet-tasks play FILE [--check] [--diff] [--only STEPS] [--skip STEPS]   (apply a playbook to its hosts; see play --help)',
    '       cloudlet-tasks config get KEY | set KEY VALUE | unset KEY | list [--json]   (defaults for the options below; see config --help)',
    '',
    'tasks:',
    ...columns(tasks.map((task) => [task.name, task.help])),
    '',
    'options:',
    ...columns(Object.entries(GLOBAL_OPTIONS).map(([long, spec]) => [optionLabel(long, spec), spec.help])),
    '',
    'exit codes: 0 ok, 2 usage error, 3 a host unreachable, 4 the task failed on a host, 130 interrupted',
  ].join('\n');
}

export function taskHelp(task: Task): string {
  const options = Object.entries(taskArgSpecs(task)).map(([name, arg]): [string, string] => {
    const spec = task.options[name]!;
    return [
      optionLabel(name, arg).trimStart(),
      `${spec.help}${spec.choices ? ` (${spec.choices.join(', ')})` : ''}${spec.default !== undefined ? ` [default: ${String(spec.default)}]` : ''}`,
    ];
  });
  return [
    `cloudlet-tasks ${task.name}: ${task.help}`,
    '',
    `usage: cloudlet-tasks [options] ${task.name}${(task.operands ?? []).map((name) => ` ${name.toUpperCase()}`).join('')}${options.length ? ' [task options]' : ''}${task.acceptsArgs ? ' -- words' : ''}`,
    ...(options.length ? ['', 'task options:', ...columns(options)] : []),
    '',
    'runner options: see cloudlet-tasks --help',
  ].join('\n');
}
