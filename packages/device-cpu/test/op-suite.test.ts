import { describe, expect, it } from 'vitest';
import { runOpSuite, setFallback } from '@mta/core';
import '../src/register';

// Strict: a missing cpu kernel must fail here, never be papered over by a fallback.
setFallback({ strict: true });

runOpSuite('cpu', { describe, it, expect });
