/*
 * ingest_write.c
 *	  Steps 4 to 7 of ingest (ingest.h): the shipments' locks, what
 *	  cbl.event holds of the chunk's events and how each element classifies
 *	  against it, the writes, and the states.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "commands/async.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/json.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "ingest.h"
#include "milestone_state.h"
#include "state_access.h"

/* ---- 4. locks -------------------------------------------------------------- */

void
LockBuckets(bool *buckets)
{
	for (int k = 0; k < LOCK_BUCKETS; k++)
		if (buckets[k])
			DirectFunctionCall2(pg_advisory_xact_lock_int4, Int32GetDatum(LOCK_SPACE), Int32GetDatum(k));
}

static int
Bucket(int64 shipment_id)
{
	return DatumGetInt32(DirectFunctionCall1(hashint8, Int64GetDatum(shipment_id))) & (LOCK_BUCKETS - 1);
}

/*
 * Serialise writers of the same shipments: the buckets of this chunk's
 * shipments, in bucket order (at most 512 locks, and one order for all, so
 * no deadlock).  The statements after it see every event committed before.
 */
void
LockShipments(Ingest *in, Chunk *c)
{
	bool		buckets[LOCK_BUCKETS] = {false};

	if (in->all_locked)
		return;
	for (int t = 0; t < c->ntargets; t++)
		buckets[Bucket(c->targets[t].shipment_id)] = true;
	LockBuckets(buckets);
}

/* ---- 5. classify ----------------------------------------------------------- */

static int
IdentityKey(StringInfo buf, int64 shipment_id, const char *source, const char *event_id)
{
	resetStringInfo(buf);
	appendBinaryStringInfo(buf, (char *) &shipment_id, sizeof(shipment_id));
	appendBinaryStringInfo(buf, source, strlen(source) + 1);
	appendStringInfoString(buf, event_id);
	return buf->len;
}

static Chunk *sort_chunk;

static int
IdentityCmp(const void *a, const void *b)
{
	const Identity *x = &sort_chunk->ids[*(const int *) a];
	const Identity *y = &sort_chunk->ids[*(const int *) b];
	int			r;

	if (x->shipment_id != y->shipment_id)
		return x->shipment_id < y->shipment_id ? -1 : 1;
	r = strcmp(x->source, y->source);
	return r != 0 ? r : strcmp(x->event_id, y->event_id);
}

/* The stored revisions of the chunk's identities. */
void
LoadStored(Ingest *in, Chunk *c)
{
	KeyMap		map;
	StringInfoData buf;
	Col			cols[3];
	int		   *count;

	KeyMapInit(&map, c->ntargets);
	initStringInfo(&buf);
	c->ids = MemoryContextAllocHuge(CurrentMemoryContext, Max(c->ntargets, 1) * sizeof(Identity));
	c->nids = 0;
	ColInit(&cols[0], INT8OID, c->ntargets);
	ColInit(&cols[1], TEXTOID, c->ntargets);
	ColInit(&cols[2], TEXTOID, c->ntargets);
	for (int t = 0; t < c->ntargets; t++)
	{
		Target	   *tg = &c->targets[t];
		Elem	   *e = &c->elems[tg->elem];
		int			len = IdentityKey(&buf, tg->shipment_id, e->source, e->event_id);
		bool		found;
		int		   *slot = KeyMapSlotCopy(&map, buf.data, len, &found);

		if (!found)
		{
			Identity   *id = &c->ids[c->nids];

			memset(id, 0, sizeof(*id));
			id->shipment_id = tg->shipment_id;
			id->source = e->source;
			id->event_id = e->event_id;
			*slot = c->nids++;
			ColDatum(&cols[0], Int64GetDatum(tg->shipment_id), false);
			ColText(&cols[1], e->source);
			ColText(&cols[2], e->event_id);
		}
		tg->identity = *slot;
		c->ids[*slot].ntargets++;
	}

	/* targets grouped by identity, each group in batch order */
	count = palloc0((c->nids + 1) * sizeof(int));
	c->order = MemoryContextAllocHuge(CurrentMemoryContext, Max(c->ntargets, 1) * sizeof(int));
	for (int i = 0, pos = 0; i < c->nids; i++)
	{
		c->ids[i].first_target = pos;
		pos += c->ids[i].ntargets;
	}
	for (int t = 0; t < c->ntargets; t++)
	{
		Identity   *id = &c->ids[c->targets[t].identity];

		c->order[id->first_target + count[c->targets[t].identity]++] = t;
	}

	c->nhashes = 0;
	c->hashes = NULL;
	if (c->nids == 0)
		return;
	{
		Probe		p;
		Oid			procs[3] = {F_INT8EQ, F_TEXTEQ, F_TEXTEQ};
		AttrNumber	a_rev,
					a_upd,
					a_retr,
					a_hash;
		int			cap = c->nids + 16;

		int		   *by_key = c->by_key = palloc(c->nids * sizeof(int));

		/* in key order: neighbouring probes share index pages */
		for (int i = 0; i < c->nids; i++)
			by_key[i] = i;
		sort_chunk = c;
		qsort(by_key, c->nids, sizeof(int), IdentityCmp);
		ProbeOpen(&p, "event", "event_pkey", 3, procs);
		a_rev = Att(&p, "revision");
		a_upd = Att(&p, "updated_at");
		a_retr = Att(&p, "retracted");
		a_hash = Att(&p, "content_hash");
		c->hashes = MemoryContextAllocHuge(CurrentMemoryContext, cap * sizeof(*c->hashes));
		for (int j = 0; j < c->nids; j++)
		{
			int			i = by_key[j];
			Identity   *id = &c->ids[i];
			Datum		keys[3];

			keys[0] = cols[0].v[i];
			keys[1] = cols[1].v[i];
			keys[2] = cols[2].v[i];
			id->first_hash = c->nhashes;
			ProbeKeys(&p, keys);
			while (ProbeNext(&p))
			{
				bool		isnull;
				int32		rev = DatumGetInt32(ProbeGet(&p, a_rev, &isnull));
				Datum		upd = ProbeGet(&p, a_upd, &isnull);
				text	   *h;

				if (rev > id->max_rev)
				{
					id->max_rev = rev;
					id->cur_hash = c->nhashes; /* appended below */
					id->cur_has_updated_at = !isnull;
					id->cur_updated_at = isnull ? 0 : DatumGetTimestampTz(upd);
				}
				if (DatumGetBool(ProbeGet(&p, a_retr, &isnull)))
					id->was_retracted = true;
				if (c->nhashes == cap)
				{
					cap *= 2;
					c->hashes = repalloc_huge(c->hashes, cap * sizeof(*c->hashes));
				}
				h = DatumGetTextPP(ProbeGet(&p, a_hash, &isnull));
				text_to_cstring_buffer(h, c->hashes[c->nhashes++], HASH_LEN + 1);
				id->nhashes++;
			}
		}
		ProbeClose(&p);
	}
}

/* Fresh versions of one identity sort by retracted, updated_at (NULL first), hash. */

static int
FreshCmp(const void *a, const void *b)
{
	const Elem *x = &sort_chunk->elems[sort_chunk->targets[*(const int *) a].elem];
	const Elem *y = &sort_chunk->elems[sort_chunk->targets[*(const int *) b].elem];

	if (x->retracted != y->retracted)
		return x->retracted ? 1 : -1;
	if (x->has_updated_at != y->has_updated_at)
		return x->has_updated_at ? 1 : -1;
	if (x->has_updated_at && x->updated_at != y->updated_at)
		return x->updated_at < y->updated_at ? -1 : 1;
	return strcmp(x->hash, y->hash);
}

/*
 * Per identity: a version whose content is stored, or came earlier in the
 * batch, is a duplicate; the fresh ones, in (retracted, updated_at, hash)
 * order, are: a conflict if the event was retracted; the retraction; the
 * first version of a new identity (accepted); a later revision (updated)
 * if its updated_at is later than the stored current one and the fresh one
 * before it; else a conflict.  Non-conflicts get the next revisions.  Last,
 * a conflict whose content is the current version's, issued earlier or
 * with no updated_at (a stale re-send), is a duplicate: it contradicts
 * nothing.
 */
void
Classify(Chunk *c)
{
	int		   *fresh = palloc(Max(c->ntargets, 1) * sizeof(int));
	StringInfoData buf;
	char		as_current[HASH_LEN + 1];

	initStringInfo(&buf);

	sort_chunk = c;
	for (int i = 0; i < c->nids; i++)
	{
		Identity   *id = &c->ids[i];
		int			nfresh = 0;
		int32		rev = id->max_rev;

		for (int k = 0; k < id->ntargets; k++)
		{
			int			t = c->order[id->first_target + k];
			Elem	   *e = &c->elems[c->targets[t].elem];
			bool		seen = false;

			for (int h = 0; h < id->nhashes && !seen; h++)
				seen = strcmp(c->hashes[id->first_hash + h], e->hash) == 0;
			for (int f = 0; f < nfresh && !seen; f++)
				seen = strcmp(c->elems[c->targets[fresh[f]].elem].hash, e->hash) == 0;
			c->targets[t].outcome = OUT_DUPLICATE;
			if (!seen)
				fresh[nfresh++] = t;
		}
		if (nfresh > 1)
			qsort(fresh, nfresh, sizeof(int), FreshCmp);
		for (int f = 0; f < nfresh; f++)
		{
			Target	   *tg = &c->targets[fresh[f]];
			Elem	   *e = &c->elems[tg->elem];
			Elem	   *prev = f > 0 ? &c->elems[c->targets[fresh[f - 1]].elem] : NULL;
			TimestampTz floor = DT_NOBEGIN;

			if (id->max_rev > 0 && id->cur_has_updated_at)
				floor = id->cur_updated_at;
			if (prev != NULL && prev->has_updated_at && prev->updated_at > floor)
				floor = prev->updated_at;
			tg->rank = f + 1;
			if (id->was_retracted)
				tg->outcome = OUT_CONFLICT;
			else if (e->retracted)
				tg->outcome = OUT_RETRACTED;
			else if (id->max_rev == 0 && f == 0)
				tg->outcome = OUT_ACCEPTED;
			else if ((e->has_updated_at ? e->updated_at : DT_NOBEGIN) > floor)
				tg->outcome = OUT_UPDATED;
			else
				tg->outcome = OUT_CONFLICT;
			if (tg->outcome != OUT_CONFLICT)
				tg->revision = ++rev;
		}

		/* the current version once the batch is in: its hash and issue */
		{
			const char *cur_hash = NULL;
			bool		cur_has = false;
			TimestampTz cur_at = 0;

			for (int f = nfresh - 1; f >= 0 && cur_hash == NULL; f--)
				if (c->targets[fresh[f]].outcome != OUT_CONFLICT)
				{
					Elem	   *e = &c->elems[c->targets[fresh[f]].elem];

					cur_hash = e->hash;
					cur_has = e->has_updated_at;
					cur_at = e->updated_at;
				}
			if (cur_hash == NULL && id->max_rev > 0)
			{
				cur_hash = c->hashes[id->cur_hash];
				cur_has = id->cur_has_updated_at;
				cur_at = id->cur_updated_at;
			}
			for (int f = 0; f < nfresh && cur_hash != NULL; f++)
			{
				Target	   *tg = &c->targets[fresh[f]];

				if (tg->outcome != OUT_CONFLICT)
					continue;
				ContentHashAs(&c->elems[tg->elem], cur_has, cur_at, &buf, as_current);
				if (strcmp(as_current, cur_hash) == 0)
					tg->outcome = OUT_DUPLICATE;
			}
		}
	}
	pfree(buf.data);
	pfree(fresh);
}

/*
 * The shipments this chunk writes to, and their frameworks: each must still
 * exist (cbl.event has no foreign key; a shipment deleted since it was
 * found is caught here, after the locks, or by cbl.shipment_delete_check).
 */
void
CheckShipments(Ingest *in, Chunk *c)
{
	int			found = 0;

	memset(&c->ships, 0, sizeof(c->ships));
	for (int t = 0; t < c->ntargets; t++)
		if (c->targets[t].outcome != OUT_DUPLICATE)
			Int64Add(&c->ships, c->targets[t].shipment_id);
	Int64Unique(&c->ships);
	c->frameworks = palloc0(Max(c->ships.n, 1) * sizeof(int16));
	c->references = palloc0(Max(c->ships.n, 1) * sizeof(char *));
	if (c->ships.n == 0)
		return;
	{
		Probe		p;
		Oid			procs[1] = {F_INT8EQ};
		AttrNumber	a_fw,
					a_ref;

		ProbeOpen(&p, "shipment", "shipment_pkey", 1, procs);
		a_fw = Att(&p, "framework");
		a_ref = Att(&p, "reference");
		for (int i = 0; i < c->ships.n; i++)
		{
			Datum		key = Int64GetDatum(c->ships.v[i]);
			bool		isnull;

			ProbeKeys(&p, &key);
			if (!ProbeNext(&p))
				continue;
			c->frameworks[i] = FrameworkIdByCode(TextDatumGetCString(ProbeGet(&p, a_fw, &isnull)));
			if (c->frameworks[i] <= 0)
				elog(ERROR, "the framework of shipment " INT64_FORMAT " is not in cbl.framework or its id is out of range",
					 c->ships.v[i]);
			c->references[i] = TextDatumGetCString(ProbeGet(&p, a_ref, &isnull));
			found++;
		}
		ProbeClose(&p);
	}
	if (found < c->ships.n)
		for (int i = 0; i < c->ships.n; i++)
			if (c->frameworks[i] == 0)
				ereport(ERROR,
						(errcode(ERRCODE_FOREIGN_KEY_VIOLATION),
						 errmsg("shipment " INT64_FORMAT " no longer exists", c->ships.v[i]),
						 errdetail("It was deleted while events for it were being ingested."),
						 errhint("Send the batch again.")));
}

/* ---- 6. writes ------------------------------------------------------------- */

/* The cbl.ingest_row columns of an element (for one shipment, or none). */
static void
RowCols(Col *cols, const Elem *e, int64 shipment_id, bool has_shipment, const char *ref)
{
	ColDatum(&cols[0], Int32GetDatum(e->position), false);
	ColText(&cols[1], e->source);
	ColText(&cols[2], e->event_id);
	ColText(&cols[3], ref);
	ColDatum(&cols[4], Int64GetDatum(shipment_id), !has_shipment);
	ColText(&cols[5], e->milestone ? e->milestone : e->milestone_in);
	ColText(&cols[6], e->classifier);
	ColDatum(&cols[7], TimestampTzGetDatum(e->occurred_at), e->source == NULL);
	ColDatum(&cols[8], TimestampTzGetDatum(e->updated_at), !e->has_updated_at);
	ColText(&cols[9], e->location);
	ColText(&cols[10], e->reason_code);
	ColDatum(&cols[11], BoolGetDatum(e->retracted), e->source == NULL);
	ColDatum(&cols[12], BoolGetDatum(e->partial), e->source == NULL);
	ColText(&cols[13], e->payload);
	ColText(&cols[14], e->source ? e->hash : NULL);
	ColDatum(&cols[15], Int64GetDatum(e->event_key), e->source == NULL);
}

static void
RowColsInit(Col *cols, int cap)
{
	static const Oid types[N_ROW_ARGS] = {
		INT4OID, TEXTOID, TEXTOID, TEXTOID, INT8OID, TEXTOID, TEXTOID, TIMESTAMPTZOID,
		TIMESTAMPTZOID, TEXTOID, TEXTOID, BOOLOID, BOOLOID, TEXTOID, TEXTOID, INT8OID
	};

	for (int k = 0; k < N_ROW_ARGS; k++)
		ColInit(&cols[k], types[k], cap);
}

/* The element as sent, for a reject, if there is a text to take it from. */
static const char *
RawOf(Ingest *in, const Elem *e)
{
	char	   *raw;
	char	   *copy;

	if (e->raw != NULL || in->text == NULL || e->length == 0)
		return e->raw;
	raw = EventElementRaw(in->text + e->offset, e->length);
	if (raw == NULL)
		return NULL;
	copy = pstrdup(raw);
	free(raw);
	return copy;
}

void
WriteEvents(Ingest *in, Chunk *c)
{
	static const Oid types[16] = {
		INT8OID, TEXTOID, TEXTOID, INT4OID, TEXTOID, TEXTOID, TIMESTAMPTZOID, TIMESTAMPTZOID,
		TEXTOID, TEXTOID, BOOLOID, BOOLOID, TEXTOID, TEXTOID, TEXTOID, INT8OID
	};
	Col			ev[16];
	Col			cf[N_ROW_ARGS + 2];
	Col			pd[N_ROW_ARGS];
	Col			rj[N_ROW_ARGS + 2];

	for (int k = 0; k < 16; k++)
		ColInit(&ev[k], types[k], c->ntargets);
	RowColsInit(cf, 16);
	ColInit(&cf[N_ROW_ARGS], INT4OID, 16);
	ColInit(&cf[N_ROW_ARGS + 1], TEXTOID, 16);
	RowColsInit(pd, 16);
	RowColsInit(rj, 16);
	ColInit(&rj[N_ROW_ARGS], TEXTOID, 16);
	ColInit(&rj[N_ROW_ARGS + 1], TEXTOID, 16);

	/* in key order, as the probes went: the index takes them left to right */
	for (int j = 0; j < c->nids; j++)
	{
		Identity   *id = &c->ids[c->by_key[j]];

		for (int k = 0; k < id->ntargets; k++)
		{
			Target	   *tg = &c->targets[c->order[id->first_target + k]];
			Elem	   *e = &c->elems[tg->elem];

			switch (tg->outcome)
			{
				case OUT_DUPLICATE:
					in->duplicate++;
					continue;
				case OUT_CONFLICT:
					if (cf[0].n == 0)
					{
						RowColsInit(cf, c->ntargets);
						ColInit(&cf[N_ROW_ARGS], INT4OID, c->ntargets);
						ColInit(&cf[N_ROW_ARGS + 1], TEXTOID, c->ntargets);
					}
					RowCols(cf, e, tg->shipment_id, true, tg->ref);
					ColDatum(&cf[N_ROW_ARGS], Int32GetDatum(id->max_rev), id->max_rev == 0);
					ColText(&cf[N_ROW_ARGS + 1], id->was_retracted
							? "The event was retracted; later versions are not applied."
							: "Same event id with different content and no later updated_at.");
					in->conflict++;
					continue;
				case OUT_ACCEPTED:
					in->accepted++;
					break;
				case OUT_UPDATED:
					in->updated++;
					break;
				case OUT_RETRACTED:
					in->retracted++;
					break;
			}
			ColDatum(&ev[0], Int64GetDatum(tg->shipment_id), false);
			ColText(&ev[1], e->source);
			ColText(&ev[2], e->event_id);
			ColDatum(&ev[3], Int32GetDatum(tg->revision), false);
			ColText(&ev[4], e->milestone);
			ColText(&ev[5], e->classifier);
			ColDatum(&ev[6], TimestampTzGetDatum(e->occurred_at), false);
			ColDatum(&ev[7], TimestampTzGetDatum(e->updated_at), !e->has_updated_at);
			ColText(&ev[8], e->location);
			ColText(&ev[9], e->reason_code);
			ColDatum(&ev[10], BoolGetDatum(e->retracted), false);
			ColDatum(&ev[11], BoolGetDatum(e->partial), false);
			ColText(&ev[12], e->payload);
			ColText(&ev[13], tg->ref);
			ColText(&ev[14], e->hash);
			ColDatum(&ev[15], Int64GetDatum(e->event_key), false);
		}
	}
	if (ev[0].n > 0)
		Run(Q_EVENT, in->state_type, ev, 16, SPI_OK_INSERT);
	if (cf[0].n > 0)
		Run(Q_CONFLICT, in->state_type, cf, N_ROW_ARGS + 2, SPI_OK_INSERT);

	/* unknown shipment: kept until it exists; invalid: kept with the reason */
	for (int i = 0; i < c->nelems; i++)
	{
		Elem	   *e = &c->elems[i];

		if (e->ok && e->ntargets == 0)
		{
			if (pd[0].n == 0)
				RowColsInit(pd, c->nelems);
			RowCols(pd, e, 0, false, e->shipment);
			in->pending++;
		}
		else if (!e->ok)
		{
			if (rj[0].n == 0)
			{
				RowColsInit(rj, c->nelems);
				ColInit(&rj[N_ROW_ARGS], TEXTOID, c->nelems);
				ColInit(&rj[N_ROW_ARGS + 1], TEXTOID, c->nelems);
			}
			RowCols(rj, e, 0, false, e->shipment);
			ColText(&rj[N_ROW_ARGS], e->reject);
			ColText(&rj[N_ROW_ARGS + 1], RawOf(in, e));
			in->rejected++;
		}
	}
	StepDone("ev-insert");
	if (pd[0].n > 0)
		Run(Q_PENDING, in->state_type, pd, N_ROW_ARGS, SPI_OK_INSERT);
	if (rj[0].n > 0)
		Run(Q_REJECT, in->state_type, rj, N_ROW_ARGS + 2, SPI_OK_INSERT);
}

/* ---- 7. states ------------------------------------------------------------- */

/*
 * NOTIFY cbl_milestone with what cbl.announce_states sends: {"shipment_id"
 * : 1, "reference" : "EXP-1001", "milestone" : "PICKED_UP"}.
 */
static void
Announce(int64 shipment_id, const char *reference, const char *milestone)
{
	StringInfoData buf;

	initStringInfo(&buf);
	appendStringInfo(&buf, "{\"shipment_id\" : " INT64_FORMAT ", \"reference\" : ", shipment_id);
	if (reference)
		escape_json(&buf, reference);
	else
		appendStringInfoString(&buf, "null");
	appendStringInfoString(&buf, ", \"milestone\" : ");
	if (milestone)
		escape_json(&buf, milestone);
	else
		appendStringInfoString(&buf, "null");
	appendStringInfoChar(&buf, '}');
	Async_Notify("cbl_milestone", buf.data);
	pfree(buf.data);
}

static int
DeltaCmp(const void *a, const void *b)
{
	const Target *x = &sort_chunk->targets[*(const int *) a];
	const Target *y = &sort_chunk->targets[*(const int *) b];

	return (x->shipment_id > y->shipment_id) - (x->shipment_id < y->shipment_id);
}

/*
 * Shipments whose events were revised or retracted are derived again from
 * their history at the end of the call.  The others that gained events get
 * the state of their new events joined to the stored state: the same as
 * deriving it again, because the state is a semilattice of the live events.
 */
void
MergeStates(Ingest *in, Chunk *c)
{
	int		   *delta = palloc(Max(c->ntargets, 1) * sizeof(int));
	int			ndelta = 0;
	Int64List	replaced = {0};
	KeyMap		sources;
	Col			scol;
	Col			ids;
	Col			upd[2];
	Col			ins[2];
	MilestoneState **news;
	bool	   *stored;
	bool		by_id = false;	/* the states were read through a query */
	int32	   *priority;
	MilestoneEntry *entries;

	for (int t = 0; t < c->ntargets; t++)
		if (c->targets[t].outcome == OUT_UPDATED || c->targets[t].outcome == OUT_RETRACTED)
		{
			Int64Add(&replaced, c->targets[t].shipment_id);
			Int64Add(&in->replaced, c->targets[t].shipment_id);
		}
	Int64Unique(&replaced);
	for (int t = 0; t < c->ntargets; t++)
	{
		Target	   *tg = &c->targets[t];

		/* reason events (no milestone) never enter the state */
		if (tg->outcome == OUT_ACCEPTED && !c->elems[tg->elem].partial &&
			c->elems[tg->elem].milestone != NULL &&
			(replaced.n == 0 || bsearch(&tg->shipment_id, replaced.v, replaced.n, sizeof(int64), Int64Cmp) == NULL))
			delta[ndelta++] = t;
	}
	if (ndelta == 0)
		return;
	sort_chunk = c;
	qsort(delta, ndelta, sizeof(int), DeltaCmp);

	/* the sources' priorities */
	KeyMapInit(&sources, 16);
	ColInit(&scol, TEXTOID, ndelta);
	for (int d = 0; d < ndelta; d++)
	{
		const char *src = c->elems[c->targets[delta[d]].elem].source;
		bool		found;
		int		   *slot = KeyMapSlot(&sources, src, strlen(src), &found);

		if (!found)
		{
			*slot = scol.n;
			ColText(&scol, src);
		}
	}
	priority = palloc(scol.n * sizeof(int32));
	for (int k = 0; k < scol.n; k++)
		priority[k] = 100;
	Run(Q_SOURCE, in->state_type, &scol, 1, SPI_OK_SELECT);
	for (uint64 r = 0; r < SPI_processed; r++)
	{
		char	   *code = GetText(r, 1);
		bool		isnull;
		int32		p = GetInt32(r, 2, &isnull);

		priority[KeyMapGet(&sources, code, strlen(code))] = p;
	}
	SPI_freetuptable(SPI_tuptable);

	/* one state per shipment from its new events */
	entries = palloc0(ndelta * sizeof(MilestoneEntry));
	ColInit(&ids, INT8OID, ndelta);
	news = palloc(ndelta * sizeof(MilestoneState *));
	for (int d = 0; d < ndelta;)
	{
		int64	   *at;
		int16		framework;
		int64		ship = c->targets[delta[d]].shipment_id;
		int			n = 0;

		for (; d < ndelta && c->targets[delta[d]].shipment_id == ship; d++)
		{
			const Elem *e = &c->elems[c->targets[delta[d]].elem];
			MilestoneEntry *m = &entries[n++];

			memset(m, 0, sizeof(*m));
			m->milestone = e->milestone_id;
			m->classifier = ClassifierFromText(e->classifier, strlen(e->classifier));
			m->priority = priority[KeyMapGet(&sources, e->source, strlen(e->source))];
			m->at = e->occurred_at;
			m->issued = e->has_updated_at ? e->updated_at : DT_NOBEGIN;
			m->event_key = e->event_key;
			if (m->milestone <= 0 || m->classifier == 0 || TIMESTAMP_NOT_FINITE(m->at))
				elog(ERROR, "ingest: invalid report for milestone state");
		}
		at = bsearch(&ship, c->ships.v, c->ships.n, sizeof(int64), Int64Cmp);
		framework = at ? c->frameworks[at - c->ships.v] : 0;
		if (framework == 0)
			elog(ERROR, "ingest: shipment " INT64_FORMAT " has no framework", ship);
		news[ids.n] = MilestoneStateFromEntries(framework, entries, n);
		ColDatum(&ids, Int64GetDatum(ship), false);
	}
	StepDone("st-build");

	/*
	 * Joined to the stored states (read under the shipments' locks, so no
	 * one else writes them meanwhile); only real changes are written.
	 */
	stored = palloc0(ids.n * sizeof(bool));
	ColInit(&upd[0], TIDOID, ids.n);
	ColInit(&upd[1], in->state_type, ids.n);
	ColInit(&ins[0], INT8OID, ids.n);
	ColInit(&ins[1], in->state_type, ids.n);
	{
		Probe		p;
		Oid			procs[1] = {F_INT8EQ};
		AttrNumber	a_state;

		ProbeOpen(&p, "shipment_state", "shipment_state_pkey", 1, procs);
		a_state = Att(&p, "state");
		by_id = p.byquery;
		if (by_id)
			ColInit(&upd[0], INT8OID, ids.n);	/* rows read through a query have no tid */
		for (int k = 0; k < ids.n; k++)
		{
			bool		isnull;
			MilestoneState *was;
			MilestoneState *now;
			ItemPointer tid;

			ProbeKeys(&p, &ids.v[k]);
			if (!ProbeNext(&p))
				continue;
			was = DatumGetMilestoneStateP(ProbeGet(&p, a_state, &isnull));
			now = MilestoneStateMerge(was, news[k]);
			stored[k] = true;
			news[k] = NULL;
			if (VARSIZE(now) == VARSIZE(was) && memcmp(now, was, VARSIZE(was)) == 0)
				continue;		/* nothing new */
			news[k] = now;
			if (by_id)
				ColDatum(&upd[0], ids.v[k], false);
			else
			{
				tid = palloc(sizeof(ItemPointerData));
				ItemPointerCopy(&p.slot->tts_tid, tid);
				ColDatum(&upd[0], PointerGetDatum(tid), false);
			}
			ColDatum(&upd[1], PointerGetDatum(now), false);
		}
		ProbeClose(&p);
	}
	for (int k = 0; k < ids.n; k++)
		if (!stored[k])
		{
			ColDatum(&ins[0], ids.v[k], false);
			ColDatum(&ins[1], PointerGetDatum(news[k]), false);
		}
	StepDone("st-read");
	if (upd[0].n > 0)
	{
		Run(by_id ? Q_STATE_UPDATE_BY_ID : Q_STATE_UPDATE, in->state_type, upd, 2, SPI_OK_UPDATE);
		if (SPI_processed != (uint64) upd[0].n)
			ereport(ERROR,
					(errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
					 errmsg("milestone states changed while ingest held their shipments' locks"),
					 errdetail("Something wrote cbl.shipment_state without taking the shipments' advisory locks."),
					 errhint("Write states through cbl.ingest_events or cbl.refresh_state.")));
	}
	if (ins[0].n > 0)
		Run(Q_STATE_INSERT, in->state_type, ins, 2, SPI_OK_INSERT);
	StepDone("st-write");
	for (int k = 0; k < ids.n; k++)
	{
		int64		id = DatumGetInt64(ids.v[k]);
		int64	   *at;

		if (news[k] == NULL)
			continue;
		Int64Add(&in->changed, id);
		if (in->notify_at_end)
			continue;
		at = bsearch(&id, c->ships.v, c->ships.n, sizeof(int64), Int64Cmp);
		Announce(id, at ? c->references[at - c->ships.v] : NULL, StateCurrentMilestone(news[k]));
	}
}

