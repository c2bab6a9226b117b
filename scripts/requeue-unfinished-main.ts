import { requeueUnfinishedRecords } from '../lib/delivery/requeueUnfinished';

requeueUnfinishedRecords()
  .then((count) => console.log(count))
  .catch((error) => {
    console.error(error);
    process.exit(1);
  });
