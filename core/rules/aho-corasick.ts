/**
 * Byte-level Aho-Corasick automaton with ASCII case folding, compiled to a dense DFA over byte
 * classes. Hand-written because no maintained npm library scans raw Buffers (they work on JS
 * strings, which would cost a UTF-8 decode of every byte of a multi-GB bundle) and this loop is
 * the hot path of ingest: one table lookup per byte, and newlines reset the state because no
 * keyword spans lines.
 */
export interface Automaton {
  /** byte -> class (0 = bytes that appear in no keyword); upper-case ASCII folded to lower. */
  readonly classOf: Uint8Array;
  readonly classes: number;
  /** delta[state * classes + class] -> next state */
  readonly delta: Int32Array;
  /** outputs[state] -> ids of the keywords that end at this state (including via failure links). */
  readonly outputs: (readonly number[] | undefined)[];
  /** 1 when outputs[state] is non-empty: a typed array keeps the hot loop's check cheap. */
  readonly hasOutput: Uint8Array;
  /**
   * The hot-loop table: next[s + class] with states premultiplied by `classes` (no multiply per
   * byte), and a state that ends a keyword stored as its bitwise complement (one sign test per
   * byte instead of a second table lookup).
   */
  readonly next: Int32Array;
}

export function buildAutomaton(keywords: readonly string[]): Automaton {
  const classOf = new Uint8Array(256);
  let classes = 1;
  const enc = keywords.map((k) => Buffer.from(k.toLowerCase(), 'utf8'));
  for (const k of enc) {
    for (const b of k) {
      if (classOf[b] === 0) {
        classOf[b] = classes++;
        if (classes > 255) throw new Error('too many distinct keyword bytes');
      }
    }
  }
  // fold A-Z onto the class of a-z
  for (let b = 65; b <= 90; b++) classOf[b] = classOf[b + 32]!;
  if (classOf[10] !== 0) throw new Error('keywords must not contain newlines');

  // trie
  const goto: Map<number, number>[] = [new Map()];
  const out: number[][] = [[]];
  enc.forEach((k, id) => {
    let s = 0;
    for (const b of k) {
      const c = classOf[b]!;
      let n = goto[s]!.get(c);
      if (n === undefined) {
        n = goto.length;
        goto.push(new Map());
        out.push([]);
        goto[s]!.set(c, n);
      }
      s = n;
    }
    out[s]!.push(id);
  });

  // BFS for failure links, filling a dense DFA as we go
  const states = goto.length;
  const delta = new Int32Array(states * classes);
  const fail = new Int32Array(states);
  const queue: number[] = [];
  for (let c = 1; c < classes; c++) {
    const n = goto[0]!.get(c);
    if (n !== undefined) {
      delta[c] = n;
      fail[n] = 0;
      queue.push(n);
    }
  }
  for (let qi = 0; qi < queue.length; qi++) {
    const s = queue[qi]!;
    const f = fail[s]!;
    out[s]!.push(...out[f]!);
    for (let c = 1; c < classes; c++) {
      const n = goto[s]!.get(c);
      if (n !== undefined) {
        fail[n] = delta[f * classes + c]!;
        delta[s * classes + c] = n;
        queue.push(n);
      } else {
        delta[s * classes + c] = delta[f * classes + c]!;
      }
    }
  }
  const outputs = out.map((o) => (o.length ? [...new Set(o)] : undefined));
  const hasOutput = new Uint8Array(states);
  outputs.forEach((o, i) => {
    if (o) hasOutput[i] = 1;
  });
  const next = new Int32Array(delta.length);
  for (let i = 0; i < delta.length; i++) {
    const ns = delta[i]!;
    next[i] = hasOutput[ns] ? ~(ns * classes) : ns * classes;
  }
  return { classOf, classes, delta, outputs, hasOutput, next };
}
