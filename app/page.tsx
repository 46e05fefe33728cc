export default function HomePage() {
  return (
    <main>
      <h1>Token Auth</h1>
    </main>
  );
}
