/**
 * `npm run bench`: speed and memory figures (tests never assert timing; this prints them).
 * Each area's benchmark lives in bench/<area>.ts and exports `bench()`.
 * `npm run bench -- engine solvers` runs a subset.
 */
const AREAS = ['engine', 'radio', 'horizons', 'solvers', 'training', 'queue'] as const;

async function main(): Promise<void> {
  const wanted = process.argv.slice(2);
  const areas = wanted.length > 0 ? AREAS.filter((a) => wanted.includes(a)) : AREAS;
  console.log(`airtune bench on Node ${process.version}, ${process.platform}/${process.arch}`);
  for (const area of areas) {
    console.log(`\n== ${area} ==`);
    const mod = (await import(`./${area}.js`)) as { bench: () => Promise<void> };
    await mod.bench();
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
