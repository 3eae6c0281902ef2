"""Assigning a stream's lines to its expected items (specs/README.md section 7.2).

The rules: a line matches its item's text or regular expression; a traced line's label
agrees with its item's label; every item's count is within [lo, hi]; the lines of the items
of one order key (a thread label, or one traceback's three parts) follow the listed order.

The items of one order key form a *group*: its lines must spell the sequence
item0{lo0,hi0} item1{lo1,hi1} ..., which the checker follows with a set of states
(item, count so far), the counts kept as intervals, so the group's own choices never
branch. Items without an order key form the *pool*: only their counts matter, a
bipartite problem solved as a flow once the pool's lines are known. A line that more than
one group (or a group and the pool) could take is the only real choice; a depth-first
search makes it, line by line, with

- interchangeable groups (same items, no line labelled with either) in the same state
  tried once, not once each,
- failed states remembered (the state of every group, the pool's lines by kind),
- a budget of search steps: when it runs out the verdict is AMBIGUOUS, never a hang.

Lines whose target is forced cost one state update each, so common scenarios are linear in
their output. Within a group the chosen assignment gives every line the earliest item it
can take; pool lines take their items in line order.
"""

import bisect
import json

OK, NONE, AMBIGUOUS = "ok", "none", "ambiguous"
SEARCH_BUDGET = 50000      # search steps (a line placed or taken back) beyond two per line
POOL = -1                  # the target "an item without order key"
_START = ((-1, ((0, 0),)),)   # a group's state before its first line: virtual item -1, count 0


class Matches(object):
    """Which items each line can take: by text alone (`by_text`, used to explain failures)
    and with the trace label agreeing (`cands`). Both are tuples of item indices in
    listing order; texts are matched once per distinct text."""

    def __init__(self, items, lines, traced):
        exact = {}
        regex_items = []
        for k, it in enumerate(items):
            if it.regex is None:
                exact.setdefault(it.text, []).append(k)
            else:
                regex_items.append(k)
        per_text = {}
        self.by_text = []
        for ln in lines:
            c = per_text.get(ln.text)
            if c is None:
                ks = exact.get(ln.text, []) + [k for k in regex_items if items[k].regex.fullmatch(ln.text)]
                c = per_text[ln.text] = tuple(sorted(ks))
            self.by_text.append(c)
        self.per_text = per_text
        if not traced:
            self.cands = self.by_text
            return
        # In a traced run a line takes the items of its label and those without one; a line
        # with no label (untraced, or written by a thread no step labelled) only the latter.
        split = {}
        per_label = {}
        self.cands = []
        for ln, c in zip(lines, self.by_text):
            key = (ln.text, ln.label)
            f = per_label.get(key)
            if f is None:
                s = split.get(ln.text)
                if s is None:
                    unlabelled, labelled = [], {}
                    for k in c:
                        lab = items[k].label
                        if lab is None:
                            unlabelled.append(k)
                        else:
                            labelled.setdefault(lab, []).append(k)
                    s = split[ln.text] = (unlabelled, labelled)
                f = per_label[key] = tuple(sorted(s[0] + s[1].get(ln.label, [])))
            self.cands.append(f)


class _Group(object):
    """The items of one order key, in listing order, and the constants its states need."""

    def __init__(self, gid, key, item_indices, items):
        self.gid, self.key = gid, key
        self.items = item_indices
        self.local = dict((k, j) for j, k in enumerate(item_indices))
        self.lo = [items[k].lo for k in item_indices]
        self.hi = [items[k].hi for k in item_indices]
        self.label = items[item_indices[0]].label
        m = len(item_indices)
        # req_before[j]: the last item before j that needs a line (-1: none);
        # req_after[j]: whether an item after j needs one (index j+1 in the list, j = -1 too).
        self.req_before, last = [], -1
        for j in range(m):
            self.req_before.append(last)
            if self.lo[j] > 0:
                last = j
        self.req_after = [False] * (m + 1)
        need = False
        for j in range(m - 1, -2, -1):
            self.req_after[j + 1] = need
            if j >= 0 and self.lo[j] > 0:
                need = True
        # items with an id or a timing are referred to by other rules: never interchangeable
        self.signature = tuple((items[k].matcher_key(), items[k].lo, items[k].hi, items[k].id,
                                json.dumps(items[k].at, sort_keys=True)) for k in item_indices)

    def lo_of(self, j):
        return 0 if j < 0 else self.lo[j]

    def step(self, state, ks):
        """The state after one more line that can take the local items ks (ascending)."""
        new = []
        for k in ks:
            hi = self.hi[k]
            ivs = []
            rb = self.req_before[k]
            enter = False
            for j, jv in state:
                if j == k:
                    for a, b in jv:
                        if a + 1 <= hi:
                            ivs.append((a + 1, b + 1 if b + 1 < hi else hi))
                elif rb <= j < k and jv[-1][1] >= self.lo_of(j):
                    enter = True
            if enter and hi >= 1:
                if ivs and ivs[0][0] == 2:
                    ivs[0] = (1, ivs[0][1])
                else:
                    ivs.insert(0, (1, 1))
            if ivs:
                new.append((k, tuple(ivs)))
        return tuple(new)

    def accepting(self, state):
        return any(jv[-1][1] >= self.lo_of(j) and not self.req_after[j + 1] for j, jv in state)

    def segment(self, positions_cands):
        """Local item per line for lines whose local candidates are given in order, giving
        every line the earliest item it can take; None when the lines cannot spell the
        group's sequence."""
        n, m = len(positions_cands), len(self.items)
        runs = [[] for _ in range(m)]     # maximal runs [s, e) of positions matching item j
        for t, ks in enumerate(positions_cands):
            for j in ks:
                r = runs[j]
                if r and r[-1][1] == t:
                    r[-1][1] = t + 1
                else:
                    r.append([t, t + 1])
        ends = [[e for _, e in r] for r in runs]
        # back[j]: intervals of positions p from which items j..m-1 cover lines p..n-1
        back = [None] * (m + 1)
        back[m] = [(n, n)]
        for j in range(m - 1, -1, -1):
            lo, hi, r, e = self.lo[j], self.hi[j], runs[j], ends[j]
            lo1 = max(lo, 1)
            out = list(back[j + 1]) if lo == 0 else []
            for a, b in back[j + 1]:
                # runs [s, e) with q-1 in [a-1, b-1] for some q in [s+1, e]
                i = bisect.bisect_left(e, a)
                while i < len(r) and r[i][0] + 1 <= b:
                    s, en = r[i]
                    qa, qb = max(a, s + 1, s + lo1), min(b, en)
                    if qa <= qb:
                        out.append((max(qa - hi, s), qb - lo1))
                    i += 1
            back[j] = _merge(out)
        if not _contains(back[0], 0):
            return None
        result = []
        p = 0
        for j in range(m):
            lo, hi = self.lo[j], self.hi[j]
            i = bisect.bisect_right(ends[j], p)
            run_end = runs[j][i][1] if i < len(runs[j]) and runs[j][i][0] <= p else p
            q = _largest_in(back[j + 1], p + lo, min(p + hi, run_end))
            result.extend([j] * (q - p))
            p = q
        return result


def _merge(ivs):
    ivs.sort()
    out = []
    for a, b in ivs:
        if out and a <= out[-1][1] + 1:
            if b > out[-1][1]:
                out[-1] = (out[-1][0], b)
        else:
            out.append((a, b))
    return out


def _contains(ivs, x):
    i = bisect.bisect_right(ivs, (x, float("inf")))
    return i > 0 and ivs[i - 1][0] <= x <= ivs[i - 1][1]


def _largest_in(ivs, lo, hi):
    i = bisect.bisect_right(ivs, (hi, float("inf"))) - 1
    while i >= 0:
        a, b = ivs[i]
        if b >= lo and a <= hi:
            return min(b, hi)
        i -= 1
    raise AssertionError("segment: no boundary although the group was feasible")


def pool_assignment(pool_lines, cands, items):
    """Items for the pool's lines (each a line index; cands restricted to pool items), or
    None when the counts cannot be met. A flow with lower bounds: lines of one kind (the same
    candidates) are one node; lines with a single candidate are assigned at once."""
    pool_items = sorted(set(k for k, it in enumerate(items) if it.order is None))
    load = dict((k, 0) for k in pool_items)
    kinds = {}
    choice = {}
    for i in pool_lines:
        ks = cands[i]
        if len(ks) == 1:
            load[ks[0]] += 1
            choice[i] = ks[0]
        else:
            kinds.setdefault(ks, []).append(i)
    lo = {}
    hi = {}
    for k in pool_items:
        if load[k] > items[k].hi:
            return None
        lo[k] = max(0, items[k].lo - load[k])
        hi[k] = items[k].hi - load[k]
    if kinds:
        flows = _bounded_flow(kinds, lo, hi)
        if flows is None:
            return None
        for ks, lines in kinds.items():
            it = iter(lines)
            for k in ks:
                for _ in range(flows.get((ks, k), 0)):
                    choice[next(it)] = k
    elif any(lo.values()):
        return None
    return choice


def _bounded_flow(kinds, lo, hi):
    """Flow from each kind (capacity: its number of lines) to its items, each item taking
    between lo and hi lines in all; every line placed. {(kind, item): n} or None."""
    # nodes: 0 source, 1 sink, kinds, items
    names = {}

    def node(x):
        if x not in names:
            names[x] = len(names) + 2
        return names[x]

    cap = {}
    adj = {}

    def edge(u, v, c):
        cap[(u, v)] = cap.get((u, v), 0) + c
        cap.setdefault((v, u), 0)
        adj.setdefault(u, set()).add(v)
        adj.setdefault(v, set()).add(u)

    total = 0
    for ks, lines in kinds.items():
        edge(0, node(("kind", ks)), len(lines))
        total += len(lines)
        for k in ks:
            edge(node(("kind", ks)), node(("item", k)), len(lines))
    for k in lo:
        edge(node(("item", k)), 1, 0)

    def augment():
        flow = 0
        while True:
            prev = {0: None}
            queue = [0]
            for u in queue:
                if u == 1:
                    break
                for v in sorted(adj.get(u, ())):
                    if v not in prev and cap[(u, v)] > 0:
                        prev[v] = u
                        queue.append(v)
            if 1 not in prev:
                return flow
            path, v = [], 1
            while prev[v] is not None:
                path.append((prev[v], v))
                v = prev[v]
            f = min(cap[e] for e in path)
            for u, v in path:
                cap[(u, v)] -= f
                cap[(v, u)] += f
            flow += f

    # Phase 1: the lower bounds; phase 2: up to the upper bounds. Augmenting paths end at
    # the sink, so phase 2 never takes back what phase 1 gave an item.
    need = sum(lo.values())
    for k in lo:
        cap[(node(("item", k)), 1)] = lo[k]
    if augment() != need:
        return None
    for k in lo:
        cap[(node(("item", k)), 1)] += hi[k] - lo[k]
    if need + augment() != total:
        return None
    out = {}
    for ks in kinds:
        for k in ks:
            f = cap[(node(("item", k)), node(("kind", ks)))]
            if f:
                out[(ks, k)] = f
    return out


class Assignment(object):
    """The outcome of assign(): status OK (choice: item index per line), NONE (no
    assignment exists) or AMBIGUOUS (the search ran out of steps after `steps` steps on a
    part of the stream of `lines` lines)."""

    def __init__(self, status, choice=None, steps=0, lines=0):
        self.status, self.choice, self.steps, self.lines = status, choice, steps, lines


def assign(items, lines, matches, budget=SEARCH_BUDGET):
    """Assign lines to items (see the module docstring). Returns an Assignment."""
    n = len(lines)
    cands = matches.cands
    if any(not c for c in cands):
        return Assignment(NONE)
    keys, members = [], {}
    for k, it in enumerate(items):
        if it.order is not None:
            if it.order not in members:
                keys.append(it.order)
                members[it.order] = []
            members[it.order].append(k)
    groups = [_Group(g, key, members[key], items) for g, key in enumerate(keys)]
    group_of = {}
    for g in groups:
        for k in g.items:
            group_of[k] = g.gid
    # per line: its candidates among pool items, and its targets (groups, or POOL) in the
    # order of their earliest candidate item; computed once per distinct candidate tuple
    per_cands = {}
    pool_cands, targets = [], []
    for c in cands:
        known = per_cands.get(id(c))
        if known is None or known[0] is not c:
            ts, seen = [], set()
            for k in c:
                t = group_of.get(k, POOL)
                if t not in seen:
                    seen.add(t)
                    ts.append(t)
            known = per_cands[id(c)] = (c, tuple(k for k in c if k not in group_of), tuple(ts))
        pool_cands.append(known[1])
        targets.append(known[2])
    # Interchangeable groups: the same items, and no line carries either's label.
    labels_seen = set(ln.label for ln in lines if ln.label is not None)
    classes, sym_class = {}, []
    for g in groups:
        key = ("own", g.gid) if g.label in labels_seen else (g.signature, g.label is None)
        sym_class.append(classes.setdefault(key, len(classes)))
    # components: groups and the pool (node len(groups)) linked by lines they could all take
    parent = list(range(len(groups) + 1))

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def node(t):
        return len(groups) if t == POOL else t

    for ts in targets:
        r0 = find(node(ts[0]))
        for t in ts[1:]:
            r = find(node(t))
            if r != r0:
                parent[r] = r0
    comp_lines = {}
    for i, ts in enumerate(targets):
        comp_lines.setdefault(find(node(ts[0])), []).append(i)

    chosen = [None] * n
    steps = 0
    for root in sorted(comp_lines):
        comp = comp_lines[root]
        found, used = _Search(groups, sym_class, comp, targets, cands, pool_cands, items,
                              budget + 2 * len(comp)).run(chosen)
        steps += used
        if found is None:
            return Assignment(AMBIGUOUS, steps=steps, lines=len(comp))
        if not found:
            return Assignment(NONE)
    choice = [None] * n
    per_group, pool_lines = {}, []
    for i in range(n):
        if chosen[i] == POOL:
            pool_lines.append(i)
        else:
            per_group.setdefault(chosen[i], []).append(i)
    for g in groups:
        lines_g = per_group.get(g.gid, [])
        if not lines_g:
            if not g.accepting(_START):
                return Assignment(NONE)
            continue
        seg = g.segment([[g.local[k] for k in cands[i] if k in g.local] for i in lines_g])
        if seg is None:
            raise AssertionError("matching: the search accepted group %r, its segmentation did not" % (g.key,))
        for i, j in zip(lines_g, seg):
            choice[i] = g.items[j]
    pc = pool_assignment(pool_lines, pool_cands, items)
    if pc is None:
        return Assignment(NONE)
    for i, k in pc.items():
        choice[i] = k
    return Assignment(OK, choice, steps)


class _Search(object):
    """The depth-first choice of a target for every line of one component.

    Groups are tracked by symmetry class: class -> {state: set of groups in it}, so a line
    that any of 200 interchangeable groups could take is tried once per distinct state."""

    def __init__(self, groups, sym_class, comp, targets, cands, pool_cands, items, budget):
        self.groups, self.sym_class, self.comp = groups, sym_class, comp
        self.targets, self.cands, self.pool_cands, self.items = targets, cands, pool_cands, items
        self.budget = budget
        self.in_comp = sorted(set(t for i in comp for t in targets[i] if t != POOL))
        self.has_pool = any(POOL in targets[i] for i in comp)
        self.state = dict((g, _START) for g in self.in_comp)
        self.by_class = {}
        for g in self.in_comp:
            self.by_class.setdefault(sym_class[g], {}).setdefault(_START, set()).add(g)
        self.pool_lines, self.pool_kinds = [], {}
        self.failed = set()
        self._local = {}
        self._classes = {}

    def local(self, i, g):
        c = self.cands[i]
        key = (id(c), g)
        ks = self._local.get(key)
        if ks is None:
            grp = self.groups[g]
            ks = self._local[key] = tuple(grp.local[k] for k in c if k in grp.local)
        return ks

    def set_state(self, g, new):
        members = self.by_class[self.sym_class[g]]
        old = self.state[g]
        members[old].discard(g)
        if not members[old]:
            del members[old]
        members.setdefault(new, set()).add(g)
        self.state[g] = new

    def memo_key(self, p):
        return (p, tuple(sorted((c, tuple(sorted((st, len(gs)) for st, gs in states.items())))
                                for c, states in self.by_class.items())),
                tuple(sorted(self.pool_kinds.items())))

    def finished(self):
        if not all(self.groups[g].accepting(self.state[g]) for g in self.in_comp):
            return False
        return not self.has_pool or pool_assignment(self.pool_lines, self.pool_cands, self.items) is not None

    def options(self, i):
        """POOL and one group per (symmetry class, state) among the line's targets."""
        ts = self.targets[i]
        classes = self._classes.get(id(ts))
        if classes is None or classes[0] is not ts:
            cs, seen = [], set()
            for t in ts:
                c = POOL if t == POOL else self.sym_class[t]
                if c not in seen:
                    seen.add(c)
                    cs.append(c)
            classes = self._classes[id(ts)] = (ts, cs)
        opts = []
        for c in classes[1]:
            if c == POOL:
                opts.append(POOL)
            else:
                for gs in self.by_class[c].values():
                    opts.append(min(gs))
        return opts

    def undo(self, applied):
        t, old = applied
        if t == POOL:
            kind = self.pool_cands[self.pool_lines.pop()]
            self.pool_kinds[kind] -= 1
            if not self.pool_kinds[kind]:
                del self.pool_kinds[kind]
        else:
            self.set_state(t, old)

    def run(self, chosen):
        """(True, steps) with chosen[] filled for the component's lines, (False, steps)
        when no choice works, (None, steps) when the budget ran out. A step is a line
        placed or a choice taken back."""
        comp, L = self.comp, len(self.comp)
        frames = []     # per position: [options, next option, applied (target, old state)]
        p, steps, entering = 0, 0, True
        while True:
            if steps > self.budget:
                return None, steps
            if entering:
                if p == L and self.finished():
                    return True, steps
                # past the last choice without success, or a state known to fail: back up
                if p == L or (self.failed and self.memo_key(p) in self.failed):
                    p -= 1
                    steps += 1
                    entering = False
                    if p < 0:
                        return False, steps
                    continue
                frames.append([self.options(comp[p]), 0, None])
            frame = frames[p]
            if frame[2] is not None:
                self.undo(frame[2])
                frame[2] = None
            i = comp[p]
            while frame[1] < len(frame[0]):
                t = frame[0][frame[1]]
                frame[1] += 1
                if t == POOL:
                    self.pool_lines.append(i)
                    kind = self.pool_cands[i]
                    self.pool_kinds[kind] = self.pool_kinds.get(kind, 0) + 1
                    frame[2] = (POOL, None)
                    break
                new = self.groups[t].step(self.state[t], self.local(i, t))
                if new:
                    frame[2] = (t, self.state[t])
                    self.set_state(t, new)
                    break
            if frame[2] is not None:
                chosen[i] = frame[2][0]
                p += 1
                steps += 1
                entering = True
                continue
            # every option at p failed from the state it was entered with
            self.failed.add(self.memo_key(p))
            frames.pop()
            p -= 1
            steps += 1
            entering = False
            if p < 0:
                return False, steps
