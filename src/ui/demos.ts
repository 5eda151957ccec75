/** The bundled demo scenes listed in public/scenes/index.json. */
export interface DemoEntry {
  name: string;
  file: string;
  description: string;
}

export function scenesUrl(file: string): string {
  return `${import.meta.env.BASE_URL}scenes/${file}`;
}

export function isDemoList(v: unknown): v is DemoEntry[] {
  return (
    Array.isArray(v) &&
    v.every(
      (d) =>
        typeof d === 'object' &&
        d !== null &&
        typeof (d as DemoEntry).name === 'string' &&
        typeof (d as DemoEntry).file === 'string' &&
        typeof (d as DemoEntry).description === 'string',
    )
  );
}

export async function fetchDemoList(): Promise<DemoEntry[]> {
  const res = await fetch(scenesUrl('index.json'));
  if (!res.ok) throw new Error(`scenes/index.json: HTTP ${res.status}`);
  const body: unknown = await res.json();
  const list = (body as { scenes?: unknown }).scenes ?? body;
  if (!isDemoList(list)) throw new Error('scenes/index.json: expected a list of {name, file, description}');
  return list;
}
