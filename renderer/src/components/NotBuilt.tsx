/** Shown for wizard steps that are not built yet: say so plainly instead of a blank or fake screen. */
export function NotBuilt({ title, what }: { title: string; what: string }) {
  return (
    <section className="screen" data-testid="not-built">
      <h1>{title}</h1>
      <div className="banner banner-info">
        <strong>Not built yet.</strong> This step is planned but not part of this version of the appliance. {what}
      </div>
    </section>
  );
}
