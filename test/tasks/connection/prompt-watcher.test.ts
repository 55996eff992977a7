import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PromptWatcher } from '../../../tasks/connection/prompt-watcher.js';

describe('PromptWatcher', () => {
  it('finds a prompt split across chunks and removes it from the text', () => {
    const watcher = new PromptWatcher('[sudo 1234]');
    const a = watcher.feed('hello [su');
    assert.deepEqual(a, { text: 'hello ', seen: 0 });
    const b = watcher.feed('do 1234]world');
    assert.deepEqual(b, { text: '[suworld'.replace('[su', ''), seen: 1 });
    assert.equal(watcher.total, 1);
  });

  it('counts repeated prompts (a refused answer makes sudo ask again)', () => {
    const watcher = new PromptWatcher('P>');
    watcher.feed('P>');
    const again = watcher.feed('Sorry, try again.\nP>');
    assert.equal(again.seen, 1);
    assert.equal(watcher.total, 2);
    assert.equal(again.text, 'Sorry, try again.\n');
  });

  it('gives back text held as a possible prompt start when flushed', () => {
    const watcher = new PromptWatcher('PROMPT');
    assert.equal(watcher.feed('ends with PRO').text, 'ends with ');
    assert.equal(watcher.flush(), 'PRO');
  });
});
