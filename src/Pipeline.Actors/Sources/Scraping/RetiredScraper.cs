using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Event;

namespace Pipeline.Actors.Sources.Scraping;

/// <summary>
/// What a remembered scraper entity becomes when its company or source is no longer configured: it says so once and
/// passivates. Remember-entities restarts an entity that merely stops (after <c>entity-restart-backoff</c>), on every
/// start of its shard; a passivated one is removed from the remembered set, so this entity is not heard of again.
/// </summary>
internal sealed class RetiredScraper : ReceiveActor
{
    public RetiredScraper(string entityId, string reason)
    {
        Context.GetLogger().Warning("Scraper {0} was remembered but {1}; it stops and is forgotten", entityId, reason);
        Context.Parent.Tell(new Passivate(PoisonPill.Instance));
        // Whatever reaches it before the shard stops it has no scraper to go to.
        ReceiveAny(_ => { });
    }
}
